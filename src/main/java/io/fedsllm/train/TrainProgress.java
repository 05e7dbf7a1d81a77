package io.fedsllm.train;

/**
 * Where long training work reports its steps (pre-training the base, fine-tuning): the caller decides what to
 * show (a console bar, log lines, nothing); this package knows nothing of consoles or flags.
 */
@FunctionalInterface
public interface TrainProgress {

    /** A task of {@code max} steps starts; the returned task receives each step and is closed at the end. */
    Task start(String task, long max);

    /** One running task. */
    interface Task extends AutoCloseable {
        /** One step done; {@code loss} may be shown (NaN = none). */
        void step(double loss);

        @Override
        void close();
    }

    /** Reports nothing. */
    TrainProgress NONE = (task, max) -> new Task() {
        @Override
        public void step(double loss) {}

        @Override
        public void close() {}
    };
}

package io.fedsllm.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** A console progress bar on stderr (stdout stays clean for --json), created on the first step. */
public final class Progress implements AutoCloseable {
    private final String task;
    private final long max;
    private ProgressBar bar;

    public Progress(String task, long max) {
        this.task = task;
        this.max = max;
    }

    /** One step done; {@code loss} is shown next to the bar. */
    public void step(double loss) {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
        bar.step();
        if (!Double.isNaN(loss)) {
            bar.setExtraMessage(String.format(java.util.Locale.ROOT, "loss %.3f", loss));
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}

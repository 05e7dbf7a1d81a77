package io.fedsllm.train;

import io.fedsllm.report.ConsoleProgress;
import me.tongfei.progressbar.ProgressBar;

/** A progress bar of training steps on the console, created on the first step, showing the last loss. */
public final class Progress implements AutoCloseable {
    private final String task;
    private final long max;
    private final ConsoleProgress console;
    private ProgressBar bar;

    public Progress(String task, long max, ConsoleProgress console) {
        this.task = task;
        this.max = max;
        this.console = console;
    }

    /** One step done; {@code loss} is shown next to the bar. */
    public void step(double loss) {
        if (bar == null) {
            bar = console.bar(task, max, false);
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

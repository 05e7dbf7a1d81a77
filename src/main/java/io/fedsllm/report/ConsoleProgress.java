package io.fedsllm.report;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.ProgressSettings;
import io.fedsllm.train.TrainProgress;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on a console stream (stderr: stdout stays clean for --json), the one place every command's progress
 * bars are made. In the bar style a bar is redrawn in place every {@code progress-redraw}; in the lines style
 * (a log file, CI) one plain ASCII line is appended every {@code progress-log-interval} and when the bar closes,
 * so a redirected stderr does not fill with redraws.
 */
public final class ConsoleProgress {
    private final PrintStream out;
    private final ProgressSettings settings;
    private final boolean lines;

    public ConsoleProgress(PrintStream out, ProgressSettings settings) {
        this.out = out;
        this.settings = settings;
        this.lines = settings.lines();
    }

    /** Progress on stderr as the configuration says. */
    public static ConsoleProgress stderr(ConfigReader root) {
        return new ConsoleProgress(System.err, ProgressSettings.from(root));
    }

    /**
     * A started bar of {@code max} steps; {@code continuous}: it also refreshes while no step is made (the elapsed
     * time and the estimate move).
     */
    public ProgressBar bar(String task, long max, boolean continuous) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max);
        if (lines) {
            b.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis((int) settings.logInterval().toMillis())
                    .setConsumer(new DelegatingProgressBarConsumer(new Deduplicated(out)));
        } else {
            b.setUpdateIntervalMillis((int) settings.redraw().toMillis()).setConsumer(new ConsoleProgressBarConsumer(out));
        }
        if (continuous) {
            b.continuousUpdate();
        }
        return b.build();
    }

    /** Training progress (pre-training, fine-tuning) as bars of this console, the loss shown beside each. */
    public TrainProgress trainProgress() {
        return (task, max) -> new TrainProgress.Task() {
            private ProgressBar bar; // created on the first step, so that an instant task (a cached base) shows nothing

            @Override
            public void step(double loss) {
                if (bar == null) {
                    bar = bar(task, max, false);
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
        };
    }

    /** Prints each line unless it repeats the previous one (the bar library renders its last state twice on close). */
    private static final class Deduplicated implements java.util.function.Consumer<String> {
        private final PrintStream out;
        private String last;

        Deduplicated(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void accept(String line) {
            if (!line.equals(last)) {
                out.println(line);
                last = line;
            }
        }
    }

    /** A message line; in the bar style it overwrites the bar's line (the bar redraws below it). */
    public void line(String text) {
        if (lines) {
            out.println(text);
        } else {
            out.print("\r" + text + " ".repeat(Math.max(0, 120 - text.length())) + System.lineSeparator());
        }
    }
}

package io.fedsllm.config;

import java.util.Locale;

/**
 * Sizes that cannot fit are rejected before anything is allocated, with an estimate of the memory they would need,
 * instead of running until the heap is gone. Each estimate covers the largest structure a size implies (a round's
 * channel, the generated data), so a size that passes may still be too large for everything else a command holds,
 * but one that fails cannot run in this JVM.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /**
     * Throws a {@link UserError} when {@code bytes} exceed the heap this JVM may use ({@code -Xmx}).
     *
     * @param what what needs the memory, as the message shows it (the flags or keys that set the size, and how
     *             the estimate is made)
     */
    public static void require(double bytes, String what) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            throw new UserError(what + " needs about " + human(bytes) + " of memory, more than the " + human(max)
                    + " of heap this JVM may use (-Xmx): make the sizes smaller, or give java a larger -Xmx");
        }
    }

    /** 1.5 GiB, 3.2 PiB: bytes in binary units. */
    public static String human(double bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f bytes", v) : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}

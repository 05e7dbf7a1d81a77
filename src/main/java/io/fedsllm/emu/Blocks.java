package io.fedsllm.emu;

import java.util.ArrayList;
import java.util.List;

/** Transformer block indices (0-based) of LoRA that moves between the parties. */
final class Blocks {
    private Blocks() {}

    /** [from, to) as a list. */
    static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>(Math.max(0, to - from));
        for (int b = from; b < to; b++) {
            l.add(b);
        }
        return List.copyOf(l);
    }
}

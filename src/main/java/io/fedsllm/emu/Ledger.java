package io.fedsllm.emu;

import java.util.List;
import java.util.TreeSet;

/**
 * Block ownership of the LoRA when the split moves (analytic mode): the main server's blocks and the federated
 * server's global copy must together hold every block 0..L−1 exactly once — nothing lost, nothing duplicated.
 */
final class Ledger {
    private Ledger() {}

    /** Null when the ownership is exact, else what is wrong. */
    static String check(List<Integer> serverBlocks, List<Integer> fedBlocks, int layers) {
        TreeSet<Integer> all = new TreeSet<>(serverBlocks);
        for (int b : fedBlocks) {
            if (!all.add(b)) {
                return "LoRA of block " + b + " is held by both the main server and the federated server";
            }
        }
        if (!all.equals(new TreeSet<>(Blocks.range(0, layers)))) {
            return "LoRA blocks held " + all + " are not every block 0.." + (layers - 1);
        }
        return null;
    }
}

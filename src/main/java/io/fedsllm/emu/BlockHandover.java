package io.fedsllm.emu;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which transformer blocks' LoRA a server holds while the split moves (SYSTEM_MODEL §1): the main server holds
 * [ℓ, L), the federated server's global copy [0, ℓ). When the split moves, the blocks a server holds outside its new
 * range leave for the other server and the ones it lacks arrive from it, so that every block is held exactly once
 * ({@link Ledger}). Used by both servers; the LoRA values travel beside it in the same messages.
 */
final class BlockHandover {
    private final TreeSet<Integer> held = new TreeSet<>();

    /** Holding blocks [from, to) at the start. */
    BlockHandover(int from, int to) {
        held.addAll(Blocks.range(from, to));
    }

    /** Holds exactly {@code blocks} from now on (a restored checkpoint). */
    void reset(List<Integer> blocks) {
        held.clear();
        held.addAll(blocks);
    }

    /** The blocks held, ascending. */
    List<Integer> held() {
        return List.copyOf(held);
    }

    /** The blocks held outside [from, to): they leave now (no longer held), ascending. */
    List<Integer> release(int from, int to) {
        List<Integer> leaving = new ArrayList<>();
        for (int b : held) {
            if (b < from || b >= to) {
                leaving.add(b);
            }
        }
        held.removeAll(leaving);
        return List.copyOf(leaving);
    }

    /** Why {@code blocks} cannot arrive for the range [from, to), or null; when null they are now held. */
    String accept(List<Integer> blocks, int from, int to) {
        for (int b : blocks) {
            if (held.contains(b)) {
                return "block " + b + " is already held";
            }
            if (b < from || b >= to) {
                return "block " + b + " is outside the blocks [" + from + ", " + to + ") held this round";
            }
        }
        held.addAll(blocks);
        return null;
    }

    /** True when exactly the blocks [from, to) are held. */
    boolean holdsExactly(int from, int to) {
        return held.size() == Math.max(0, to - from) && (held.isEmpty() || (held.first() == from && held.last() == to - 1));
    }
}

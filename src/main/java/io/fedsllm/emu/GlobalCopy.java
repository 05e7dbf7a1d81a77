package io.fedsllm.emu;

import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.ServerStrategy;
import java.util.List;

/**
 * The values of the federated server's global copy of the client-side LoRA, so that its actor holds only sequencing
 * and the block ledger: nothing in analytic mode, {@link LoraBlocks} in real mode. Uploads are decoded and checked
 * on arrival; the average is taken in client-id order.
 */
interface GlobalCopy {

    /** True when LoRA values travel (real mode). */
    boolean real();

    /** Holds rank {@code rank} from now on (exact for a larger rank, truncated SVD for a smaller one). */
    void resize(int rank);

    /** Removes blocks [from, to) from the copy and returns their bytes (null in analytic mode). */
    byte[] take(int from, int to);

    /** Why blocks arriving from the server cannot join the copy at {@code rank}, or null (they joined). */
    String merge(byte[] weights, int rank);

    /** Why an upload does not fit the copy (blocks, rank, size, finite values), or null; the decoded upload. */
    Decoded decode(byte[] weights, long bits, int rank);

    /** A decoded upload (null values in analytic mode) or the reason it was refused. */
    record Decoded(LoraBlocks lora, String refused) {}

    /**
     * The new copy from the round's uploads (client-id order) by the server strategy ({@code fedavg}: weighted by
     * |D_k|); split learning: the last one (a relay, no strategy). Nothing changes without uploads.
     */
    void aggregate(List<LoraBlocks> uploads, List<Integer> samples, boolean lastOnly);

    /** The copy's bytes (null in analytic mode). */
    byte[] bytes();

    /** The copy and the strategy's state for a checkpoint (null in analytic mode or before the first round). */
    byte[] state();

    /** Continues from {@link #state} (null: nothing to restore). */
    void restore(byte[] state);

    /** Sizes only. */
    GlobalCopy ANALYTIC = new GlobalCopy() {
        @Override
        public boolean real() {
            return false;
        }

        @Override
        public void resize(int rank) {}

        @Override
        public byte[] take(int from, int to) {
            return null;
        }

        @Override
        public String merge(byte[] weights, int rank) {
            return weights == null ? null : "analytic mode carries no weights";
        }

        @Override
        public Decoded decode(byte[] weights, long bits, int rank) {
            return new Decoded(null, weights == null ? null : "analytic mode carries no weights");
        }

        @Override
        public void aggregate(List<LoraBlocks> uploads, List<Integer> samples, boolean lastOnly) {}

        @Override
        public byte[] bytes() {
            return null;
        }

        @Override
        public byte[] state() {
            return null;
        }

        @Override
        public void restore(byte[] state) {}
    };

    /**
     * Real mode; {@code seed} = the experiment seed (rank resizing); {@code strategy} turns the round's uploads into the
     * next copy ({@code train.fed-strategy}; its state is the federated server's).
     */
    static GlobalCopy real(long seed, ServerStrategy strategy) {
        return new Real(seed, strategy);
    }

    /** The global copy's LoRA values and the strategy that updates them. */
    final class Real implements GlobalCopy {
        private final long seed;
        private final ServerStrategy strategy;
        private LoraBlocks lora;

        private Real(long seed, ServerStrategy strategy) {
            this.seed = seed;
            this.strategy = strategy;
        }

        @Override
        public boolean real() {
            return true;
        }

        @Override
        public void resize(int rank) {
            lora = lora == null ? LoraBlocks.empty(rank) : lora.rank() == rank ? lora : lora.resized(rank, seed);
        }

        @Override
        public byte[] take(int from, int to) {
            byte[] out = lora.select(from, to).toBytes();
            lora = lora.select(0, from);
            return out;
        }

        @Override
        public String merge(byte[] weights, int rank) {
            if (weights == null) {
                return "real mode needs the blocks' LoRA weights";
            }
            try {
                LoraBlocks incoming = LoraBlocks.fromBytes(weights);
                lora = lora.merge(incoming.rank() == rank ? incoming : incoming.resized(rank, seed));
                return null;
            } catch (IllegalArgumentException e) {
                return "server blocks do not fit the global copy: " + e.getMessage();
            }
        }

        @Override
        public Decoded decode(byte[] weights, long bits, int rank) {
            if (weights == null) {
                return new Decoded(null, "real mode needs the LoRA weights");
            }
            LoraBlocks u;
            try {
                u = LoraBlocks.fromBytes(weights);
            } catch (IllegalArgumentException e) {
                return new Decoded(null, "malformed LoRA: " + e.getMessage());
            }
            if (u.rank() != rank || !u.blocks().keySet().equals(lora.blocks().keySet())) {
                return new Decoded(null, "LoRA of blocks " + u.blockIndices() + " at rank " + u.rank() + ", expected blocks "
                        + lora.blockIndices() + " at rank " + rank);
            }
            if (u.bits() != bits) {
                return new Decoded(null, "LoRA payload of " + u.bits() + " bits, declared " + bits);
            }
            for (var block : u.blocks().values()) {
                for (float[] w : block.values()) {
                    for (float x : w) {
                        if (!Float.isFinite(x)) {
                            return new Decoded(null, "LoRA weight " + x + " is not finite");
                        }
                    }
                }
            }
            return new Decoded(u, null);
        }

        @Override
        public void aggregate(List<LoraBlocks> uploads, List<Integer> samples, boolean lastOnly) {
            if (!uploads.isEmpty()) {
                // The copy now is the one broadcast at the round start: the strategy's "global" (fedavg: the average).
                lora = lastOnly ? uploads.get(uploads.size() - 1) : strategy.aggregate(lora, uploads, samples);
            }
        }

        @Override
        public byte[] bytes() {
            return lora.toBytes();
        }

        /** The global copy's LoRA and the strategy's state. */
        record State(byte[] lora, byte[] strategy) {}

        @Override
        public byte[] state() {
            return lora == null ? null : Saved.cbor(new State(lora.toBytes(), strategy.state()));
        }

        @Override
        public void restore(byte[] state) {
            lora = null;
            if (state != null) {
                State s = Saved.cbor(state, State.class);
                lora = LoraBlocks.fromBytes(s.lora());
                strategy.restoreState(s.strategy());
            }
        }
    }
}

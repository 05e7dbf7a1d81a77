package io.fedsllm.emu;

import io.fedsllm.data.E2eRecord;
import io.fedsllm.nn.TorchRuntime;
import io.fedsllm.train.ClientTrainer;
import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.ServerTrainer;
import io.fedsllm.train.TrainContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The main server's tensor work, so that its actor holds only sequencing: nothing in analytic mode (sizes only),
 * a {@link ServerTrainer} in real mode. Used by one actor, one call at a time (on any thread of the compute pool).
 */
interface ServerCompute extends AutoCloseable {

    /** One server step's outcome: the mean loss and, by client id, the activation gradients (null in analytic mode). */
    record Step(double loss, byte[][] gradients) {}

    /** True when tensors flow (real mode). */
    boolean real();

    /** Why one client's activations of an iteration cannot join the step, or null. */
    String check(MainServer.Activations m);

    /** The server LoRA of blocks [from, to) leaving for the clients (null in analytic mode). */
    byte[] exportBlocks(int from, int to, int rank);

    /** Why blocks arriving from the global copy cannot be used, or null (they are kept for {@link #reconfigure}). */
    String adopt(byte[] weights);

    /** Holds blocks [split, L) at {@code rank}: departed blocks dropped, adopted ones added. */
    void reconfigure(int split, int rank);

    /** One step on the given clients' activations, concatenated in the given (client-id) order. */
    Step step(int[] clients, byte[][] payloads, int[][][] labels);

    /** Centralized: one step on one mini-batch of b per shard, drawn with the clients' streams; the loss. */
    double centralizedStep(int round, int iteration, int batches, int rank);

    /** The server LoRA's bytes (null in analytic mode). */
    byte[] serverLora();

    /** The trainer's state for a checkpoint (null in analytic mode or before the first round). */
    byte[] state();

    /** Continues from {@link #state} (null: nothing to restore). */
    void restore(byte[] state);

    @Override
    void close();

    /** Sizes only. */
    ServerCompute ANALYTIC = new ServerCompute() {
        @Override
        public boolean real() {
            return false;
        }

        @Override
        public String check(MainServer.Activations m) {
            return m.payload() == null && m.labels() == null ? null : "analytic mode carries no tensors";
        }

        @Override
        public byte[] exportBlocks(int from, int to, int rank) {
            return null;
        }

        @Override
        public String adopt(byte[] weights) {
            return weights == null ? null : "analytic mode carries no weights";
        }

        @Override
        public void reconfigure(int split, int rank) {}

        @Override
        public Step step(int[] clients, byte[][] payloads, int[][][] labels) {
            return new Step(Double.NaN, null);
        }

        @Override
        public double centralizedStep(int round, int iteration, int batches, int rank) {
            return Double.NaN;
        }

        @Override
        public byte[] serverLora() {
            return null;
        }

        @Override
        public byte[] state() {
            return null;
        }

        @Override
        public void restore(byte[] state) {}

        @Override
        public void close() {}
    };

    /**
     * Real mode on the node's shared frozen base.
     *
     * @param shards       every client's data, for the centralized scheme only (the one server holding all data);
     *                     empty for the split schemes, whose server holds no data
     * @param torchThreads intra-op threads of its steps
     */
    static ServerCompute real(TrainContext training, List<List<E2eRecord>> shards, int torchThreads) {
        return new Real(training, List.copyOf(shards), torchThreads);
    }

    /** A {@link ServerTrainer}, created at the first round holding every block (split 0) at the round's rank. */
    final class Real implements ServerCompute {
        private final TrainContext training;
        private final List<List<E2eRecord>> shards;
        private final int torchThreads;
        private final List<ClientTrainer> embedders = new ArrayList<>(); // centralized: one per shard, split 0, no LoRA
        private ServerTrainer trainer;
        private LoraBlocks adopted;

        private Real(TrainContext training, List<List<E2eRecord>> shards, int torchThreads) {
            this.training = training;
            this.shards = shards;
            this.torchThreads = torchThreads;
        }

        @Override
        public boolean real() {
            return true;
        }

        @Override
        public String check(MainServer.Activations m) {
            return Payloads.checkActivations(m.payload(), m.labels(), training.batchSize(), training.shape());
        }

        private ServerTrainer trainer(int rank) {
            TorchRuntime.enter(torchThreads);
            if (trainer == null) {
                trainer = ServerTrainer.create(training, 0, rank, training.seed());
            }
            return trainer;
        }

        @Override
        public byte[] exportBlocks(int from, int to, int rank) {
            return trainer(rank).exportBlocks(from, to).toBytes();
        }

        @Override
        public String adopt(byte[] weights) {
            if (weights == null) {
                return "real mode needs the blocks' LoRA weights";
            }
            try {
                adopted = LoraBlocks.fromBytes(weights);
                return null;
            } catch (IllegalArgumentException e) {
                return "malformed LoRA of the adopted blocks: " + e.getMessage();
            }
        }

        @Override
        public void reconfigure(int split, int rank) {
            trainer(rank).reconfigure(split, rank, adopted);
            adopted = null;
        }

        @Override
        public Step step(int[] clients, byte[][] payloads, int[][][] labels) {
            List<byte[]> acts = new ArrayList<>(clients.length);
            List<int[][]> lab = new ArrayList<>(clients.length);
            for (int i = 0; i < clients.length; i++) {
                acts.add(payloads[i]);
                lab.add(labels[i]);
            }
            TorchRuntime.enter(torchThreads);
            ServerTrainer.Step s = trainer.step(acts, lab);
            return new Step(s.loss(), s.activationGradients().toArray(new byte[0][]));
        }

        @Override
        public double centralizedStep(int round, int iteration, int batches, int rank) {
            if (batches != shards.size()) {
                throw new IllegalStateException("centralized: " + batches + " mini-batches per iteration but "
                        + shards.size() + " shards");
            }
            ServerTrainer server = trainer(rank);
            while (embedders.size() < batches) {
                int c = embedders.size();
                embedders.add(ClientTrainer.create(training, c, shards.get(c), 0, rank, training.seed()));
            }
            List<byte[]> acts = new ArrayList<>(batches);
            List<int[][]> lab = new ArrayList<>(batches);
            for (ClientTrainer e : embedders) {
                ClientTrainer.Forward f = e.forward(round, iteration);
                acts.add(f.activations());
                lab.add(f.labels());
            }
            ServerTrainer.Step s = server.step(acts, lab);
            for (int c = 0; c < batches; c++) {
                embedders.get(c).backward(s.activationGradients().get(c)); // no LoRA at split 0: ends the step
            }
            return s.loss();
        }

        @Override
        public byte[] serverLora() {
            return trainer.serverLora().toBytes();
        }

        @Override
        public byte[] state() {
            return trainer == null ? null : trainer.state().toBytes();
        }

        @Override
        public void restore(byte[] state) {
            close();
            embedders.clear();
            trainer = null;
            adopted = null;
            if (state != null) {
                TorchRuntime.enter(torchThreads);
                trainer = ServerTrainer.restore(training, training.seed(), io.fedsllm.train.TrainerState.fromBytes(state));
            }
        }

        @Override
        public void close() {
            if (trainer != null) {
                trainer.close();
            }
            embedders.forEach(ClientTrainer::close);
        }
    }
}

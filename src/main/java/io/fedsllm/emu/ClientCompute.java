package io.fedsllm.emu;

import io.fedsllm.data.E2eRecord;
import io.fedsllm.nn.TorchRuntime;
import io.fedsllm.train.ClientTrainer;
import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.ServerTrainer;
import io.fedsllm.train.TrainContext;
import java.util.List;

/**
 * A client's tensor work, so that its actor holds only sequencing: nothing in analytic mode (sizes only), a
 * {@link ClientTrainer} on its own shard in real mode. Used by one actor, one call at a time (on any thread of the
 * compute pool).
 */
interface ClientCompute extends AutoCloseable {

    /** One forward: the activations' bytes and the labels (both null in analytic mode). */
    record Forward(byte[] payload, int[][] labels) {}

    /** One local step of federated LoRA: its loss and the wall nanoseconds of its forward and backward parts. */
    record LocalStep(double loss, long forwardNanos, long backwardNanos) {}

    /** |D_k|, the samples the client holds. */
    int samples();

    /**
     * The device this client is in the round starting now: analytic mode hosts any device of the population (its
     * |D_k| then); a real client is one device with its own shard. Why it cannot be that device, or null.
     */
    String host(int device);

    /** True when tensors flow (real mode). */
    boolean real();

    /**
     * Takes the global copy for this round: holds the plan's split and rank and the copy's values. Why it does not fit,
     * or null.
     */
    String adopt(byte[] global, int split, int rank, boolean localTraining);

    Forward forward(int round, int iteration);

    /** Back-propagates the activation gradient; a malformed one is an IllegalArgumentException (forward kept). */
    void backward(byte[] gradient);

    /** Drops a pending forward (left out of an iteration). */
    void discard();

    /** Federated LoRA: forward, local head, backward of one mini-batch. */
    LocalStep localStep(int round, int iteration);

    /** The client LoRA's bytes (null in analytic mode). */
    byte[] exportLora();

    /** The trainer's state for a checkpoint (null in analytic mode or before the first global copy). */
    byte[] state();

    /** Continues from {@link #state} (null: nothing to restore). */
    void restore(byte[] state);

    @Override
    void close();

    /** Sizes only, with |D_k| = {@code samples}. */
    static ClientCompute analytic(int samples) {
        return analytic(d -> samples);
    }

    /** Sizes only; the device hosted has |D_k| = {@code samplesOf(device)} (before the first round: device 0's). */
    static ClientCompute analytic(java.util.function.IntUnaryOperator samplesOf) {
        return new ClientCompute() {
            private int samples = samplesOf.applyAsInt(0);

            @Override
            public int samples() {
                return samples;
            }

            @Override
            public String host(int device) {
                samples = samplesOf.applyAsInt(device);
                return null;
            }

            @Override
            public boolean real() {
                return false;
            }

            @Override
            public String adopt(byte[] global, int split, int rank, boolean localTraining) {
                return global == null ? null : "analytic mode carries no weights";
            }

            @Override
            public Forward forward(int round, int iteration) {
                return new Forward(null, null);
            }

            @Override
            public void backward(byte[] gradient) {}

            @Override
            public void discard() {}

            @Override
            public LocalStep localStep(int round, int iteration) {
                return new LocalStep(Double.NaN, 0, 0);
            }

            @Override
            public byte[] exportLora() {
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
    }

    /** Real mode on the node's shared frozen base and this client's own shard. */
    static ClientCompute real(TrainContext training, int id, List<E2eRecord> shard, int torchThreads) {
        return new Real(training, id, List.copyOf(shard), torchThreads);
    }

    /** A {@link ClientTrainer} created with the first global copy; fl adds a local head (no LoRA). */
    final class Real implements ClientCompute {
        private final TrainContext training;
        private final int id;
        private final List<E2eRecord> shard;
        private final int torchThreads;
        private ClientTrainer trainer;
        private ServerTrainer localHead;

        private Real(TrainContext training, int id, List<E2eRecord> shard, int torchThreads) {
            this.training = training;
            this.id = id;
            this.shard = shard;
            this.torchThreads = torchThreads;
        }

        @Override
        public int samples() {
            return shard.size();
        }

        @Override
        public String host(int device) {
            return device == id ? null : "client " + id + " holds the shard of device " + id + ", not of device " + device;
        }

        @Override
        public boolean real() {
            return true;
        }

        @Override
        public String adopt(byte[] global, int split, int rank, boolean localTraining) {
            if (global == null) {
                return "real mode needs the global LoRA weights";
            }
            LoraBlocks g;
            try {
                g = LoraBlocks.fromBytes(global);
            } catch (IllegalArgumentException e) {
                return "malformed global LoRA: " + e.getMessage();
            }
            if (g.rank() != rank) {
                return "global LoRA of rank " + g.rank() + ", the plan's rank is " + rank;
            }
            TorchRuntime.enter(torchThreads);
            try {
                if (trainer == null) {
                    trainer = ClientTrainer.create(training, id, shard, split, rank, training.seed());
                } else if (trainer.splitLayer() != split || trainer.rank() != rank) {
                    trainer.reconfigure(split, rank, split > trainer.splitLayer() ? g.select(trainer.splitLayer(), split) : null);
                }
                trainer.importLora(g);
            } catch (IllegalArgumentException e) {
                return "global LoRA does not fit the client segment: " + e.getMessage();
            }
            if (localTraining && localHead == null) {
                localHead = ServerTrainer.create(training, training.shape().layers(), rank, training.seed());
            }
            return null;
        }

        @Override
        public Forward forward(int round, int iteration) {
            TorchRuntime.enter(torchThreads);
            ClientTrainer.Forward f = trainer.forward(round, iteration);
            return new Forward(f.activations(), f.labels());
        }

        @Override
        public void backward(byte[] gradient) {
            if (gradient == null) {
                throw new IllegalArgumentException("real mode needs the activation-gradient bytes");
            }
            TorchRuntime.enter(torchThreads);
            trainer.backward(gradient);
        }

        @Override
        public void discard() {
            if (trainer != null) {
                trainer.discardPending();
            }
        }

        @Override
        public LocalStep localStep(int round, int iteration) {
            TorchRuntime.enter(torchThreads);
            long t0 = System.nanoTime();
            ClientTrainer.Forward f = trainer.forward(round, iteration);
            ServerTrainer.Step step = localHead.step(List.of(f.activations()), List.<int[][]>of(f.labels()));
            long t1 = System.nanoTime(); // measured mode: the head's forward and backward count as forward
            trainer.backward(step.activationGradients().get(0));
            return new LocalStep(step.loss(), t1 - t0, System.nanoTime() - t1);
        }

        @Override
        public byte[] exportLora() {
            return trainer.exportLora().toBytes();
        }

        @Override
        public byte[] state() {
            return trainer == null ? null : trainer.state().toBytes();
        }

        @Override
        public void restore(byte[] state) {
            close();
            trainer = null;
            localHead = null;
            if (state != null) {
                TorchRuntime.enter(torchThreads);
                io.fedsllm.train.TrainerState s = io.fedsllm.train.TrainerState.fromBytes(state);
                trainer = ClientTrainer.restore(training, id, shard, training.seed(), s);
                if (s.splitLayer() == training.shape().layers()) {
                    localHead = ServerTrainer.create(training, training.shape().layers(), s.rank(), training.seed());
                }
            }
        }

        @Override
        public void close() {
            if (trainer != null) {
                trainer.close();
            }
            if (localHead != null) {
                localHead.close();
            }
        }
    }
}

package io.fedsllm.emu;

import io.fedsllm.data.E2eRecord;
import io.fedsllm.train.ClientTrainer;
import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.ServerTrainer;
import io.fedsllm.train.TrainContext;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One device k (SYSTEM_MODEL §1): its data shard (|D_k| samples), the client segment (blocks 1..ℓ) with their
 * LoRA, its processor and its two uplinks. Per local iteration it runs forward, uploads the split-layer
 * activations to the main server, waits for the activation gradients, runs backward; after the round's
 * iterations it uploads its client LoRA to the federated server. Its virtual clock advances by modelled compute
 * delays (times its scripted slow-down factor); its sends arrive after bits / rate ({@link Link}).
 *
 * <p>Real mode: it holds a {@link ClientTrainer} on its shard (created when the first global copy arrives, used
 * only on the compute dispatcher). The global copy replaces its LoRA at every round start ({@code importLora});
 * when the plan changes the split or the rank the trainer is reconfigured first (blocks arriving from the server
 * come out of the global copy). Forward sends the activation bytes and labels; the gradients' bytes run backward;
 * the upload carries its LoRA bytes. Federated LoRA (split = L) trains the whole model locally with its own
 * copy of the frozen final LayerNorm and head (a {@link ServerTrainer} at split L holds no LoRA).
 */
public final class Client extends AbstractBehavior<Client.Command> {

    public sealed interface Command extends CborSerializable
            permits StartRound, GlobalLora, StartIteration, Gradients, EndLocalTraining, Crash {}

    /**
     * The coordinator's plan for this client in one round; arrives at the round's start.
     *
     * @param localTraining true for federated LoRA (fl): all iterations locally, no main server
     * @param forwardS      T_k^F of one iteration (before the scripted slow-down)
     * @param backwardS     T_k^B
     */
    public record StartRound(int round, int splitLayer, int rank, int localIterations, boolean localTraining,
            double forwardS, double backwardS, double rateMainBps, double rateFedBps, long activationBits,
            long loraBits, double arrivalS) implements Command, Arrival {}

    /** The federated server's global copy of the client-side LoRA, blocks 0..ℓ−1 (weights null in analytic mode). */
    public record GlobalLora(int round, int splitLayer, List<Integer> blocks, long version,
            @Carries(Carries.Content.GLOBAL_LORA) byte[] weights, double arrivalS) implements Command, Arrival {}

    /** The main server's iteration barrier: every client may start iteration {@code iteration}. */
    public record StartIteration(int round, int iteration, double arrivalS) implements Command, Arrival {}

    /** Gradients w.r.t. the activations of one iteration; {@code accepted = false}: left out (deadline), no payload. */
    public record Gradients(int round, int iteration, boolean accepted, long bits,
            @Carries(Carries.Content.GRADIENTS) byte[] payload, double arrivalS)
            implements Command, Arrival {}

    /** The round's local iterations are over: upload the client LoRA. */
    public record EndLocalTraining(int round, double arrivalS) implements Command, Arrival {}

    /** Scripted fault: the actor stops (the coordinator's death watch notices). */
    public enum Crash implements Command { INSTANCE }

    public static final String ROLE = "client";

    private final int id;
    private final int samples;
    private final double slowdown;
    private final ActorRef<MainServer.Command> mainServer;
    private final ActorRef<FedServer.Command> fedServer;
    private final ActorRef<Coordinator.Command> coordinator;
    private final MessageAudit audit;
    private final TrainContext training;   // null in analytic mode
    private final List<E2eRecord> shard;   // real mode: D_k
    private final Double measuredScale;    // compute-delay = measured: virtual s per wall s; null = delay model
    private final VirtualClock clock = new VirtualClock();
    private ClientTrainer trainer;
    private ServerTrainer localHead;        // federated LoRA: final LayerNorm + head, no LoRA
    private int adoptedRound = -1;          // real mode: the round whose global copy the trainer holds

    private int lastRound = -1;
    private StartRound plan;
    private GlobalLora global;
    private StartIteration pendingStart;
    private int iteration = -1;
    private boolean awaitingGradients;
    private Link link;
    private final Stats stats = new Stats();

    /** Per-round totals reported to the coordinator. */
    private static final class Stats {
        double forwardS;
        double activationUploadS;
        double backwardS;
        int iterationsDone;
        int iterationsLeftOut;
        double localLossSum;       // federated LoRA in real mode: sum of the local steps' losses

        void reset() {
            forwardS = 0;
            activationUploadS = 0;
            backwardS = 0;
            iterationsDone = 0;
            iterationsLeftOut = 0;
            localLossSum = 0;
        }
    }

    /** Analytic mode: sizes only. */
    public static Behavior<Command> create(int id, int samples, double slowdown, ActorRef<MainServer.Command> mainServer,
            ActorRef<FedServer.Command> fedServer, ActorRef<Coordinator.Command> coordinator, MessageAudit audit) {
        return Behaviors.setup(ctx -> new Client(ctx, id, samples, slowdown, mainServer, fedServer, coordinator, audit,
                null, null, null));
    }

    /**
     * Real mode (spawn on the compute dispatcher): |D_k| is the shard's size.
     *
     * @param training the experiment's shared training context
     * @param shard    this client's training records
     */
    public static Behavior<Command> create(int id, List<E2eRecord> shard, double slowdown,
            ActorRef<MainServer.Command> mainServer, ActorRef<FedServer.Command> fedServer,
            ActorRef<Coordinator.Command> coordinator, MessageAudit audit, TrainContext training) {
        return create(id, shard, slowdown, mainServer, fedServer, coordinator, audit, training, null);
    }

    /**
     * Real mode with measured compute delays: virtual seconds = wall seconds of the trainer's calls ×
     * {@code measuredScale} (null = the delay model's).
     */
    public static Behavior<Command> create(int id, List<E2eRecord> shard, double slowdown,
            ActorRef<MainServer.Command> mainServer, ActorRef<FedServer.Command> fedServer,
            ActorRef<Coordinator.Command> coordinator, MessageAudit audit, TrainContext training, Double measuredScale) {
        return Behaviors.setup(ctx -> new Client(ctx, id, shard.size(), slowdown, mainServer, fedServer, coordinator,
                audit, training, List.copyOf(shard), measuredScale));
    }

    private Client(ActorContext<Command> ctx, int id, int samples, double slowdown, ActorRef<MainServer.Command> mainServer,
            ActorRef<FedServer.Command> fedServer, ActorRef<Coordinator.Command> coordinator, MessageAudit audit,
            TrainContext training, List<E2eRecord> shard, Double measuredScale) {
        super(ctx);
        this.training = training;
        this.shard = shard;
        this.measuredScale = measuredScale;
        if (training != null) {
            RealMode.prepareComputeThread();
        }
        this.id = id;
        this.samples = samples;
        this.slowdown = slowdown;
        this.mainServer = mainServer;
        this.fedServer = fedServer;
        this.coordinator = coordinator;
        this.audit = audit;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Command.class, Arrival::isInvalid, this::onInvalidArrival)
                .onMessage(StartRound.class, this::onStartRound)
                .onMessage(GlobalLora.class, this::onGlobalLora)
                .onMessage(StartIteration.class, this::onStartIteration)
                .onMessage(Gradients.class, this::onGradients)
                .onMessage(EndLocalTraining.class, this::onEndLocalTraining)
                .onMessageEquals(Crash.INSTANCE, () -> Behaviors.stopped())
                .onSignal(PostStop.class, s -> closeTrainers())
                .build();
    }

    private Behavior<Command> closeTrainers() {
        if (trainer != null) {
            trainer.close();
        }
        if (localHead != null) {
            localHead.close();
        }
        return this;
    }

    private Behavior<Command> onInvalidArrival(Command m) {
        audit.record(ROLE, m);
        return reject(m, Arrival.why((Arrival) m));
    }

    private Behavior<Command> onStartRound(StartRound m) {
        audit.record(ROLE, m);
        if (m.round() <= lastRound || plan != null) {
            return reject(m, "round " + m.round() + " already started or finished (last round " + lastRound + ")");
        }
        if (m.localIterations() < 1 || !(m.forwardS() >= 0) || !(m.backwardS() >= 0) || m.loraBits() < 0
                || m.activationBits() < 0) {
            return reject(m, "invalid plan values");
        }
        plan = m;
        lastRound = m.round();
        link = new Link(m.rateMainBps(), m.rateFedBps());
        stats.reset();
        iteration = -1;
        clock.startAt(m.arrivalS());
        tryStart();
        return this;
    }

    private Behavior<Command> onGlobalLora(GlobalLora m) {
        audit.record(ROLE, m);
        if (m.round() < lastRound || (plan != null && m.round() != plan.round()) || global != null && global.round() == m.round()) {
            return reject(m, "global LoRA for round " + m.round() + " is not expected now (round " + lastRound + ")");
        }
        if (!m.blocks().equals(Blocks.range(0, m.splitLayer()))) {
            return reject(m, "global LoRA blocks " + m.blocks() + " are not the client segment 0.." + (m.splitLayer() - 1));
        }
        if ((training != null) != (m.weights() != null)) {
            return reject(m, training != null ? "real mode needs the global LoRA weights" : "analytic mode carries no weights");
        }
        global = m;
        tryStart();
        return this;
    }

    private Behavior<Command> onStartIteration(StartIteration m) {
        audit.record(ROLE, m);
        if (plan == null && m.round() == lastRound + 1 && m.iteration() == 0 && pendingStart == null) {
            // The next round's first barrier may overtake the coordinator's plan: keep it until the plan arrives.
            pendingStart = m;
            return this;
        }
        if (plan == null || m.round() != plan.round() || m.iteration() != iteration + 1 || awaitingGradients
                || pendingStart != null) {
            return reject(m, "start of iteration " + m.iteration() + " of round " + m.round() + " unexpected (round "
                    + lastRound + ", iteration " + iteration + ")");
        }
        pendingStart = m;
        tryStart();
        return this;
    }

    /** Starts the next step once the plan, the global LoRA and (split schemes) the iteration barrier are all in. */
    private void tryStart() {
        if (plan == null || global == null || global.round() != plan.round()) {
            return;
        }
        if (global.splitLayer() != plan.splitLayer()) {
            reject(global, "global LoRA split " + global.splitLayer() + " differs from the plan's " + plan.splitLayer());
            global = null;
            return;
        }
        if (training != null && adoptedRound != plan.round()) {
            if (!adoptGlobal()) {
                global = null;
                return;
            }
            adoptedRound = plan.round();
        }
        clock.startAt(global.arrivalS());
        if (plan.localTraining()) {
            trainLocally();
            return;
        }
        if (pendingStart == null || pendingStart.round() != plan.round()) {
            return;
        }
        iteration = pendingStart.iteration();
        clock.startAt(pendingStart.arrivalS());
        pendingStart = null;
        byte[] payload = null;
        int[][] labels = null;
        long t0 = System.nanoTime();
        if (training != null) {
            ClientTrainer.Forward f = trainer.forward(plan.round(), iteration);
            payload = f.activations();
            labels = f.labels();
        }
        double forward = delayS(plan.forwardS(), t0);
        double sendS = clock.advance(forward);
        stats.forwardS += forward;
        double arrivalS = link.activationArrivalS(sendS, plan.activationBits());
        stats.activationUploadS += arrivalS - sendS;
        awaitingGradients = true;
        mainServer.tell(new MainServer.Activations(plan.round(), iteration, id, plan.activationBits(), payload, labels,
                arrivalS));
    }

    private Behavior<Command> onGradients(Gradients m) {
        audit.record(ROLE, m);
        if (plan == null || m.round() != plan.round() || m.iteration() != iteration || !awaitingGradients) {
            return reject(m, "gradients of iteration " + m.iteration() + " of round " + m.round() + " unexpected");
        }
        if (m.accepted() && m.bits() != plan.activationBits()) {
            return reject(m, "gradient size " + m.bits() + " bits, expected " + plan.activationBits());
        }
        long t0 = System.nanoTime();
        if (m.accepted() && training != null) {
            if (m.payload() == null) {
                return reject(m, "real mode needs the activation-gradient bytes");
            }
            try {
                trainer.backward(m.payload());
            } catch (IllegalArgumentException e) {
                // The trainer keeps the forward pending: a correct gradient may still come.
                return reject(m, e.getMessage());
            }
        }
        awaitingGradients = false;
        if (!m.accepted()) {
            // Left out of this iteration (deadline policy): no backward; the next barrier or aggregation resyncs it.
            if (trainer != null) {
                trainer.discardPending();
            }
            stats.iterationsLeftOut++;
            return this;
        }
        clock.startAt(m.arrivalS());
        double backward = delayS(plan.backwardS(), t0);
        clock.advance(backward);
        stats.backwardS += backward;
        stats.iterationsDone++;
        mainServer.tell(new MainServer.BackwardDone(plan.round(), iteration, id, clock.now()));
        return this;
    }

    /** Federated LoRA: every iteration runs locally (forward + backward of the whole model), then the upload. */
    private void trainLocally() {
        for (int i = 0; i < plan.localIterations(); i++) {
            long t0 = System.nanoTime();
            long t1 = t0;
            if (training != null) {
                ClientTrainer.Forward f = trainer.forward(plan.round(), i);
                ServerTrainer.Step step = localHead.step(List.of(f.activations()), List.<int[][]>of(f.labels()));
                t1 = System.nanoTime();   // measured mode: the head's forward and backward count as forward
                trainer.backward(step.activationGradients().get(0));
                stats.localLossSum += step.loss();
            }
            double forward = measuredScale == null ? plan.forwardS() * slowdown : (t1 - t0) / 1e9 * measuredScale * slowdown;
            double backward = delayS(plan.backwardS(), t1);
            clock.advance(forward + backward);
            stats.forwardS += forward;
            stats.backwardS += backward;
            stats.iterationsDone++;
        }
        upload();
    }

    /**
     * A compute delay in virtual seconds, times the scripted slow-down: the delay model's {@code modelS}, or
     * (compute-delay = measured) the wall seconds since {@code startNs} times measured-scale.
     */
    private double delayS(double modelS, long startNs) {
        double s = measuredScale == null ? modelS : (System.nanoTime() - startNs) / 1e9 * measuredScale;
        return s * slowdown;
    }

    private Behavior<Command> onEndLocalTraining(EndLocalTraining m) {
        audit.record(ROLE, m);
        if (plan == null || m.round() != plan.round() || plan.localTraining()) {
            return reject(m, "end of local training for round " + m.round() + " unexpected");
        }
        clock.startAt(m.arrivalS());
        awaitingGradients = false;
        upload();
        return this;
    }

    private void upload() {
        double sendS = clock.now();
        double loraUploadS = 0;
        if (stats.iterationsDone > 0) {
            double arrivalS = link.loraArrivalS(sendS, plan.loraBits());
            loraUploadS = arrivalS - sendS;
            byte[] weights = training == null ? null : trainer.exportLora().toBytes();
            fedServer.tell(new FedServer.Upload(plan.round(), id, samples, Blocks.range(0, plan.splitLayer()),
                    plan.loraBits(), weights, arrivalS));
        } else {
            // Nothing trained this round: no upload; the client catches up with the next global copy.
            fedServer.tell(new FedServer.NoUpload(plan.round(), id, sendS));
        }
        Double localLoss = training != null && plan.localTraining() && stats.iterationsDone > 0
                ? stats.localLossSum / stats.iterationsDone : null;
        coordinator.tell(new Coordinator.ClientReport(plan.round(), id, stats.forwardS, stats.activationUploadS,
                stats.backwardS, loraUploadS, stats.iterationsDone, stats.iterationsLeftOut, sendS, localLoss));
        plan = null;
    }

    /**
     * Real mode: makes the trainer hold the plan's split and rank and the global copy's values. Creates it on the
     * first round; reconfigures it when the split or the rank changed (blocks moving up come from the global copy).
     * False (logged) when the global copy does not fit the plan.
     */
    private boolean adoptGlobal() {
        LoraBlocks g;
        try {
            g = LoraBlocks.fromBytes(global.weights());
        } catch (IllegalArgumentException e) {
            reject(global, "malformed global LoRA: " + e.getMessage());
            return false;
        }
        if (g.rank() != plan.rank()) {
            reject(global, "global LoRA of rank " + g.rank() + ", the plan's rank is " + plan.rank());
            return false;
        }
        int split = plan.splitLayer();
        try {
            if (trainer == null) {
                trainer = ClientTrainer.create(training, id, shard, split, plan.rank(),
                        training.seed());
            } else if (trainer.splitLayer() != split || trainer.rank() != plan.rank()) {
                trainer.reconfigure(split, plan.rank(), split > trainer.splitLayer() ? g.select(trainer.splitLayer(), split) : null);
            }
            trainer.importLora(g);
        } catch (IllegalArgumentException e) {
            reject(global, "global LoRA does not fit the client segment: " + e.getMessage());
            return false;
        }
        if (plan.localTraining() && localHead == null) {
            localHead = ServerTrainer.create(training, training.shape().layers(), plan.rank(), training.seed());
        }
        return true;
    }

    private Behavior<Command> reject(Object m, String why) {
        audit.rejected();
        getContext().getLog().warn("client {} rejected {}: {}", id, m.getClass().getSimpleName(), why);
        return this;
    }
}

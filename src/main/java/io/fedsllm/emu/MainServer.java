package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.scenario.Node;
import io.fedsllm.scenario.Scenario;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The main server (SYSTEM_MODEL §1): the server segment (blocks ℓ..L−1 and the head) with its LoRA, one model trained
 * on the activations of every client, in client-id order (never arrival order). It never receives a client's data
 * other than activations and labels in messages, and never a client's LoRA upload (only, when the split moves down,
 * blocks of the federated server's averaged copy: {@link AdoptBlocks}).
 *
 * <p>Phases as behaviours: idle → hand-over (blocks moving with the split, {@link BlockHandover}) → iterations (split
 * schemes; the barriers and steps are {@link ServerRound}'s) → idle. Federated LoRA has no iterations; centralized
 * training steps alone on every shard. Blocks of the next round that overtake its plan are stashed. Every wait is
 * armed with {@code emu.party-timeout}: a client silent past it is out of the round (logged, told to end its local
 * training); the federated server silent past it is reported to the coordinator, which ends the run.
 *
 * <p>What both servers keep alike (peers, lost clients, checkpoint, rejections) is {@link ServerParty}'s; the round
 * in progress, its iterations and its waits are {@link MainIterations}'.
 */
public final class MainServer {

    public sealed interface Command extends CborSerializable
            permits Peers, Configure, Activations, BackwardDone, AdoptBlocks, ClientLost, ClientBack, Withdraw, Stop,
            Timeout, Snapshot, Restore {}

    /** Who the server talks to: the clients (index = client id), the federated server, the coordinator. */
    public record Peers(List<ActorRef<Client.Command>> clients, ActorRef<FedServer.Command> fedServer,
            ActorRef<Coordinator.Command> coordinator) implements Command, Control {}

    /**
     * The round's plan for the server.
     *
     * @param participants           live client ids, ascending
     * @param centralizedBatches     centralized scheme: mini-batches per iteration (all data on the server); 0 otherwise
     * @param serverForwardPerBatchS server forward seconds for one client's mini-batch; backward is twice it (§3)
     * @param gradientDownloadS      T^G added to every gradient's arrival
     * @param deadlineS              deadline policy: activations later than iteration start + this are left out
     *                               (positive infinity = wait for all)
     * @param devices                the device each participant is in this round (aligned with participants)
     * @param keep                   over-selection: the activations kept per iteration, the first to arrive (0 = all)
     * @param crashesDone            the scenario lines of the server crashes that already happened (each fires once)
     */
    public record Configure(int round, Scheme scheme, int splitLayer, int rank, int localIterations,
            List<Integer> participants, List<Integer> devices, int centralizedBatches, double serverForwardPerBatchS,
            long activationBits, double gradientDownloadS, double deadlineS, int keep, List<Integer> crashesDone,
            double startS) implements Command, Arrival {
        /** The round starts on arrival. */
        @Override
        public double arrivalS() {
            return startS;
        }
    }

    /**
     * One client's split-layer activations of one iteration (payload and labels null in analytic mode); {@code lost}:
     * the upload was lost on the way (a scenario's drop or outage): no payload, noticed when it would have arrived.
     */
    public record Activations(int round, int iteration, int client, long bits,
            @Carries(Carries.Content.ACTIVATIONS) byte[] payload, @Carries(Carries.Content.LABELS) int[][] labels,
            boolean lost, double arrivalS) implements Command, Arrival {
        /** Delivered activations. */
        public Activations(int round, int iteration, int client, long bits, byte[] payload, int[][] labels, double arrivalS) {
            this(round, iteration, client, bits, payload, labels, false, arrivalS);
        }
    }

    /** A client finished backward of an iteration at {@code arrivalS}. */
    public record BackwardDone(int round, int iteration, int client, double arrivalS) implements Command, Arrival {}

    /**
     * Blocks moving from the federated server's global copy to the server (the split moved down): the one message
     * that brings client-side LoRA to the main server, and it is the average, never a client's own upload.
     */
    public record AdoptBlocks(int round, List<Integer> blocks, @Carries(Carries.Content.GLOBAL_LORA) byte[] weights,
            double arrivalS) implements Command, Arrival {}

    /** The coordinator learnt that this client is gone: never wait for it again. */
    public record ClientLost(int client) implements Command {}

    /** The client is back (its actor respawned, e.g. after a scripted crash): wait for it again from the next round. */
    public record ClientBack(int client, ActorRef<Client.Command> ref) implements Command, Control {}

    /** The client ends this round early (it waited in vain for a barrier): do not wait for it in this round. */
    public record Withdraw(int round, int client) implements Command {}

    /** The run is over: report what was received and stop. */
    public record Stop(ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** A checkpoint: between rounds, report what the server carries to the next round. */
    public record Snapshot(int round, ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** Continue from a checkpoint's state (whatever round was in progress is dropped). */
    public record Restore(@Carries(Carries.Content.PARTY_STATE) byte[] state) implements Command, Control {}

    /** A wait ran out (armed by the server itself). */
    record Timeout(int round, int step, Wait waitingFor) implements Command, Control {}

    /** What the server waits for. */
    enum Wait { BLOCKS, ACTIVATIONS, BACKWARD }

    public static final String ROLE = "main-server";

    /**
     * What the server is given at spawn: L, its compute (real mode: the shared base; shards only if centralized), the
     * wait bound and the run's scenario (its own crashes; the links' drops and outages of the gradients it sends).
     */
    record Kit(int layers, ServerCompute compute, Double measuredScale, Duration partyTimeout, Scenario scenario) {}

    private final Kit kit;
    private final ServerParty<Command, Peers> party;
    private final MainIterations iterations;
    private Behavior<Command> idlePhase;
    private Behavior<Command> handoverPhase;
    private Behavior<Command> iteratingPhase;
    private final VirtualClock clock = new VirtualClock();
    private IterationBarrier barrier;

    private MainServer(ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers, Kit kit,
            PartyAudit audit) {
        this.kit = kit;
        // before the first round: every block; round 0 hands the client part over
        this.party = new ServerParty<>("main server", ROLE, ctx, stash, timers, audit, new BlockHandover(0, kit.layers()),
                new ServerParty.PeersOf<>(Peers::clients, Peers::coordinator,
                        (p, clients) -> new Peers(clients, p.fedServer(), p.coordinator())));
        this.iterations = new MainIterations(party, kit, clock, this::iterating, this::idle);
    }

    public static Behavior<Command> create(Kit kit) {
        return ServerParty.behavior(Command.class,
                (ctx, stash, timers, audit) -> new MainServer(ctx, stash, timers, kit, audit).idle());
    }

    private Behavior<Command> idle() {
        if (idlePhase == null) {
            idlePhase = common()
                    .onMessage(Configure.class, this::onConfigure)
                    // sent by the federated server before this round's plan reached us
                    .onMessage(AdoptBlocks.class, m -> party.stashEarly(m, m.round(), "blocks"))
                    .onMessage(Activations.class, m -> party.reject(m, "activations of round " + m.round() + " while idle"))
                    .onMessage(BackwardDone.class, m -> party.reject(m, "backward of round " + m.round() + " while idle"))
                    .onMessage(Withdraw.class, m -> party.reject(m, "withdrawal from round " + m.round() + " while idle"))
                    .onMessage(Snapshot.class, m -> party.snapshot(m.replyTo(), kit.compute().state()))
                    .onMessage(Timeout.class, m -> Behaviors.same())
                    .build();
        }
        return idlePhase;
    }

    private Behavior<Command> handover() {
        if (handoverPhase == null) {
            handoverPhase = inRound()
                    .onMessage(AdoptBlocks.class, this::onAdoptBlocks)
                    .onMessage(Activations.class, m -> party.reject(m, "activations before the server holds its blocks"))
                    .onMessage(BackwardDone.class, m -> party.reject(m, "backward before the server holds its blocks"))
                    .build();
        }
        return handoverPhase;
    }

    private Behavior<Command> iterating() {
        if (iteratingPhase == null) {
            iteratingPhase = inRound()
                    .onMessage(Activations.class, iterations::onActivations)
                    .onMessage(BackwardDone.class, iterations::onBackwardDone)
                    .onMessage(AdoptBlocks.class, m -> party.reject(m, "blocks for round " + m.round() + " unexpected"))
                    .build();
        }
        return iteratingPhase;
    }

    private Behavior<Command> onConfigure(Configure m) {
        String bad = party.peers() == null ? "no peers yet" : m.round() <= party.lastRound() ? "round " + m.round() + " is over"
                : m.splitLayer() < 0 || m.splitLayer() > kit.layers() ? "split " + m.splitLayer() + " outside 0.." + kit.layers()
                : kit.compute().real() && m.rank() < 1 ? "rank " + m.rank() + " < 1" : null;
        if (bad == null) {
            bad = party.misfit(m.participants(), m.devices());
        }
        if (bad != null) {
            return party.reject(m, "configure of round " + m.round() + ": " + bad);
        }
        crashIfDue(kit.scenario(), m, 0, m.startS());
        party.begin(m.round());
        if (barrier == null) {
            barrier = new IterationBarrier(party.lost().length);
        }
        iterations.begin(new ServerRound(m, party.peers(), party.outbox(), kit.compute(), kit.measuredScale(), clock,
                party.lost(), barrier, kit.scenario()));
        List<Integer> leaving = party.blocks().release(m.splitLayer(), kit.layers());
        if (!leaving.isEmpty()) {
            // The split moved up: the server's blocks below ℓ go to the clients via the federated global copy.
            byte[] weights = kit.compute().real()
                    ? kit.compute().exportBlocks(leaving.get(0), m.splitLayer(), m.rank()) : null;
            party.outbox().send(party.peers().fedServer(), new FedServer.ServerBlocks(m.round(), leaving, weights,
                    m.startS()));
        }
        return party.unstashAll(maybeReady());
    }

    private Behavior<Command> onAdoptBlocks(AdoptBlocks m) {
        Configure plan = iterations.round().plan();
        if (m.round() != plan.round()) {
            return party.reject(m, "blocks for round " + m.round() + " unexpected");
        }
        String bad = party.blocks().accept(m.blocks(), plan.splitLayer(), kit.layers());
        if (bad == null) {
            bad = kit.compute().adopt(m.weights());
        }
        return bad != null ? party.reject(m, bad) : maybeReady();
    }

    /** Ready once the server holds exactly blocks ℓ..L−1: the round's work starts. */
    private Behavior<Command> maybeReady() {
        ServerRound round = iterations.round();
        Configure plan = round.plan();
        if (!party.blocks().holdsExactly(plan.splitLayer(), kit.layers())) {
            iterations.arm(Wait.BLOCKS);
            return handover();
        }
        party.stopWaiting();
        if (kit.compute().real()) {
            kit.compute().reconfigure(plan.splitLayer(), plan.rank());
        }
        party.outbox().send(party.coordinator(), new Coordinator.ServerReady(plan.round(), party.blocks().held(),
                plan.startS()));
        if (plan.scheme() == Scheme.FL) {
            return iterations.finish();
        }
        if (plan.scheme() == Scheme.CENTRALIZED) {
            for (double loss : round.trainCentralized()) {
                if (kit.compute().real() && !Double.isFinite(loss)) {
                    return iterations.diverged(loss);
                }
            }
            return iterations.finish();
        }
        return iterations.startIteration(plan.startS());
    }

    /**
     * A scripted crash of the main server due at (round, iteration, time) stops it here ({@link ScriptedCrash}); checked
     * at the round start and (by {@link ServerRound}) at every iteration start.
     */
    static void crashIfDue(Scenario scenario, Configure plan, int iteration, double timeS) {
        ServerParty.crashIfDue(scenario, Node.MAIN_SERVER, plan.round(), plan.crashesDone(), iteration, timeS);
    }

    /** Phases within a round. */
    private BehaviorBuilder<Command> inRound() {
        return common()
                .onMessage(Configure.class, m -> party.reject(m, "configure of round " + m.round() + " during round "
                        + iterations.round().plan().round()))
                .onMessage(Withdraw.class, m -> m.round() == iterations.round().plan().round() && m.client() >= 0
                        && m.client() < party.lost().length ? iterations.dropClient(m.client(), false, "withdrew")
                        : party.reject(m, "withdrawal from round " + m.round()))
                .onMessage(Timeout.class, iterations::onTimeout)
                .onMessage(Snapshot.class, m -> party.reject(m, "a checkpoint during round "
                        + iterations.round().plan().round()));
    }

    private BehaviorBuilder<Command> common() {
        return party.receive(Command.class, Peers.class)
                .onMessage(ClientLost.class, this::onClientLost)
                .onMessage(ClientBack.class, m -> party.back(m, m.client(), m.ref()))
                .onMessage(Restore.class, m -> {
                    party.restore(m.state(), kit.compute()::restore);
                    iterations.begin(null);
                    return idle();
                })
                .onMessage(Stop.class, m -> party.stop(m.replyTo()))
                .onSignal(PostStop.class, s -> {
                    kit.compute().close();
                    return Behaviors.same();
                });
    }

    private Behavior<Command> onClientLost(ClientLost m) {
        if (!party.lose(m, m.client()) || iterations.round() == null) {
            return Behaviors.same();
        }
        return iterations.dropClient(m.client(), false, null);
    }
}

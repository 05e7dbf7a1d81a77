package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.scenario.Node;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.ScenarioEvent;
import java.time.Duration;
import java.util.Set;
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
    private static final String TIMER = "wait";

    /**
     * What the server is given at spawn: L, its compute (real mode: the shared base; shards only if centralized), the
     * wait bound and the run's scenario (its own crashes; the links' drops and outages of the gradients it sends).
     */
    record Kit(int layers, ServerCompute compute, Double measuredScale, Duration partyTimeout, Scenario scenario) {}

    private final ActorContext<Command> ctx;
    private final StashBuffer<Command> stash;
    private final TimerScheduler<Command> timers;
    private final Kit kit;
    private final PartyAudit audit;
    private final Outbox outbox;
    private Behavior<Command> idlePhase;
    private Behavior<Command> handoverPhase;
    private Behavior<Command> iteratingPhase;
    private final VirtualClock clock = new VirtualClock();
    private final BlockHandover blocks;   // before the first round: every block; round 0 hands the client part over
    private Peers peers;
    private boolean[] lost;
    private IterationBarrier barrier;
    private ServerRound round;
    private int lastRound = -1;
    private int steps;                    // timer generation: server steps taken

    private MainServer(ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers, Kit kit,
            PartyAudit audit) {
        this.ctx = ctx;
        this.stash = stash;
        this.timers = timers;
        this.kit = kit;
        this.audit = audit;
        this.outbox = Outbox.of(ctx.getSystem(), null);
        this.blocks = new BlockHandover(0, kit.layers());
    }

    public static Behavior<Command> create(Kit kit) {
        PartyAudit audit = new PartyAudit();
        return audit.counting(Command.class, ScriptedCrash.crashable(Behaviors.setup(ctx -> Behaviors.withStash(64, stash ->
                Behaviors.withTimers(timers -> new MainServer(ctx, stash, timers, kit, audit).idle())))));
    }

    private Behavior<Command> idle() {
        if (idlePhase == null) {
            idlePhase = common()
                    .onMessage(Configure.class, this::onConfigure)
                    .onMessage(AdoptBlocks.class, m -> {
                        if (m.round() != lastRound + 1 || stash.isFull()) {
                            return reject(m, "blocks for round " + m.round() + " unexpected");
                        }
                        stash.stash(m); // sent by the federated server before this round's plan reached us
                        return Behaviors.same();
                    })
                    .onMessage(Activations.class, m -> reject(m, "activations of round " + m.round() + " while idle"))
                    .onMessage(BackwardDone.class, m -> reject(m, "backward of round " + m.round() + " while idle"))
                    .onMessage(Withdraw.class, m -> reject(m, "withdrawal from round " + m.round() + " while idle"))
                    .onMessage(Snapshot.class, m -> {
                        outbox.send(m.replyTo(), new Coordinator.PartyState(ROLE, -1, new Saved(lastRound, blocks.held(), 0,
                                kit.compute().state(), audit.stats(ROLE, -1)).toBytes()));
                        return Behaviors.same();
                    })
                    .onMessage(Timeout.class, m -> Behaviors.same())
                    .build();
        }
        return idlePhase;
    }

    private Behavior<Command> handover() {
        if (handoverPhase == null) {
            handoverPhase = inRound()
                    .onMessage(AdoptBlocks.class, this::onAdoptBlocks)
                    .onMessage(Activations.class, m -> reject(m, "activations before the server holds its blocks"))
                    .onMessage(BackwardDone.class, m -> reject(m, "backward before the server holds its blocks"))
                    .build();
        }
        return handoverPhase;
    }

    private Behavior<Command> iterating() {
        if (iteratingPhase == null) {
            iteratingPhase = inRound()
                    .onMessage(Activations.class, this::onActivations)
                    .onMessage(BackwardDone.class, this::onBackwardDone)
                    .onMessage(AdoptBlocks.class, m -> reject(m, "blocks for round " + m.round() + " unexpected"))
                    .build();
        }
        return iteratingPhase;
    }

    private Behavior<Command> onConfigure(Configure m) {
        String bad = peers == null ? "no peers yet" : m.round() <= lastRound ? "round " + m.round() + " is over"
                : m.splitLayer() < 0 || m.splitLayer() > kit.layers() ? "split " + m.splitLayer() + " outside 0.." + kit.layers()
                : kit.compute().real() && m.rank() < 1 ? "rank " + m.rank() + " < 1" : null;
        for (int c : m.participants()) {
            if (bad == null && (c < 0 || c >= lost.length)) {
                bad = "unknown client " + c;
            }
        }
        if (bad == null && m.devices().size() != m.participants().size()) {
            bad = m.devices().size() + " devices for " + m.participants().size() + " participants";
        }
        if (bad != null) {
            return reject(m, "configure of round " + m.round() + ": " + bad);
        }
        crashIfDue(kit.scenario(), m, 0, m.startS());
        lastRound = m.round();
        round = new ServerRound(m, peers, outbox, kit.compute(), kit.measuredScale(), clock, lost, barrier, kit.scenario());
        List<Integer> leaving = blocks.release(m.splitLayer(), kit.layers());
        if (!leaving.isEmpty()) {
            // The split moved up: the server's blocks below ℓ go to the clients via the federated global copy.
            byte[] weights = kit.compute().real()
                    ? kit.compute().exportBlocks(leaving.get(0), m.splitLayer(), m.rank()) : null;
            outbox.send(peers.fedServer(), new FedServer.ServerBlocks(m.round(), leaving, weights, m.startS()));
        }
        return stash.unstashAll(maybeReady());
    }

    private Behavior<Command> onAdoptBlocks(AdoptBlocks m) {
        Configure plan = round.plan();
        if (m.round() != plan.round()) {
            return reject(m, "blocks for round " + m.round() + " unexpected");
        }
        String bad = blocks.accept(m.blocks(), plan.splitLayer(), kit.layers());
        if (bad == null) {
            bad = kit.compute().adopt(m.weights());
        }
        return bad != null ? reject(m, bad) : maybeReady();
    }

    /** Ready once the server holds exactly blocks ℓ..L−1: the round's work starts. */
    private Behavior<Command> maybeReady() {
        Configure plan = round.plan();
        if (!blocks.holdsExactly(plan.splitLayer(), kit.layers())) {
            timers.startSingleTimer(TIMER, new Timeout(plan.round(), steps, Wait.BLOCKS), kit.partyTimeout());
            return handover();
        }
        timers.cancel(TIMER);
        if (kit.compute().real()) {
            kit.compute().reconfigure(plan.splitLayer(), plan.rank());
        }
        outbox.send(peers.coordinator(), new Coordinator.ServerReady(plan.round(), blocks.held(), plan.startS()));
        if (plan.scheme() == Scheme.FL) {
            return finishRound();
        }
        if (plan.scheme() == Scheme.CENTRALIZED) {
            for (double loss : round.trainCentralized()) {
                if (kit.compute().real() && !Double.isFinite(loss)) {
                    return diverged(loss);
                }
            }
            return finishRound();
        }
        return startIteration(plan.startS());
    }

    private Behavior<Command> startIteration(double startS) {
        if (!round.startIteration(startS)) {
            return stepServer();
        }
        arm(Wait.ACTIVATIONS);
        return iterating();
    }

    private Behavior<Command> onActivations(Activations m) {
        if (m.round() != round.plan().round()) {
            return reject(m, "activations of round " + m.round() + " iteration " + m.iteration() + " unexpected");
        }
        String bad = round.accept(m);
        if (bad != null) {
            return reject(m, bad);
        }
        return round.barrier().allArrived() ? stepServer() : Behaviors.same();
    }

    private Behavior<Command> stepServer() {
        steps++;
        double loss = round.stepServer();
        if (kit.compute().real() && round.barrier().acceptedCount > 0 && !Double.isFinite(loss)) {
            return diverged(loss);
        }
        outbox.send(peers.coordinator(), new Coordinator.IterationProgress(round.plan().round(), round.iteration(), clock.now()));
        if (round.barrier().acceptedCount == 0) {
            return nextIteration();
        }
        arm(Wait.BACKWARD);
        return iterating();
    }

    private Behavior<Command> onBackwardDone(BackwardDone m) {
        if (m.round() != round.plan().round()) {
            return reject(m, "backward of round " + m.round() + " iteration " + m.iteration() + " unexpected");
        }
        String bad = round.backwardDone(m);
        if (bad != null) {
            return reject(m, bad);
        }
        return round.barrier().allBackward() ? nextIteration() : Behaviors.same();
    }

    private Behavior<Command> nextIteration() {
        if (!round.nextIteration()) {
            arm(Wait.ACTIVATIONS);
            return round.barrier().expectedCount == 0 ? stepServer() : iterating();
        }
        return finishRound();
    }

    private Behavior<Command> finishRound() {
        timers.cancel(TIMER);
        outbox.send(peers.coordinator(), round.iterationsDone());
        round = null;
        return stash.unstashAll(idle());
    }

    private Behavior<Command> diverged(double loss) {
        timers.cancel(TIMER);
        outbox.send(peers.coordinator(), new Coordinator.Diverged(round.plan().round(), "training loss " + loss
                + " at the main server"));
        round = null;
        return idle();
    }

    /** A client out of this round (gone, withdrawn, silent); what became due runs now. */
    private Behavior<Command> dropClient(int client, boolean tell, String why) {
        int due = round.drop(client, tell, ctx.getLog(), why);
        return due == 1 ? stepServer() : due == 2 ? nextIteration() : Behaviors.same();
    }

    private Behavior<Command> onTimeout(Timeout m) {
        if (round == null || m.round() != round.plan().round() || m.step() != steps) {
            return Behaviors.same(); // a wait already over
        }
        if (m.waitingFor() == Wait.BLOCKS) {
            outbox.send(peers.coordinator(), new Coordinator.Stalled(m.round(), "main server", "the federated server's blocks "
                    + "for split " + round.plan().splitLayer() + " (AdoptBlocks)", kit.partyTimeout().toString()));
            return Behaviors.same();
        }
        String why = m.waitingFor() == Wait.ACTIVATIONS ? "sent no activations" : "reported no backward";
        for (int c : round.awaited()) {
            if (m.waitingFor() == Wait.ACTIVATIONS) {
                round.countLeftOut();
            }
            round.drop(c, true, ctx.getLog(), why + " within " + kit.partyTimeout() + " (fedsllm.emu.party-timeout)");
        }
        return m.waitingFor() == Wait.ACTIVATIONS ? (round.barrier().allArrived() ? stepServer() : Behaviors.same())
                : (round.barrier().allBackward() ? nextIteration() : Behaviors.same());
    }

    /**
     * A scripted crash of the main server due at (round, iteration, time) stops it here ({@link ScriptedCrash}); checked
     * at the round start and (by {@link ServerRound}) at every iteration start.
     */
    static void crashIfDue(Scenario scenario, Configure plan, int iteration, double timeS) {
        Position p = new Position(plan.round(), iteration, timeS);
        ScenarioEvent.CrashServer c = scenario.serverCrashDue(Node.MAIN_SERVER, p, Set.copyOf(plan.crashesDone()));
        if (c != null) {
            throw new ScriptedCrash(new ScriptedCrash.Info(c.line(), p.round(), p.iteration(), p.timeS()));
        }
    }

    /** Phases within a round. */
    private BehaviorBuilder<Command> inRound() {
        return common()
                .onMessage(Configure.class, m -> reject(m, "configure of round " + m.round() + " during round "
                        + round.plan().round()))
                .onMessage(Withdraw.class, m -> m.round() == round.plan().round() && m.client() >= 0 && m.client() < lost.length
                        ? dropClient(m.client(), false, "withdrew") : reject(m, "withdrawal from round " + m.round()))
                .onMessage(Timeout.class, this::onTimeout)
                .onMessage(Snapshot.class, m -> reject(m, "a checkpoint during round " + round.plan().round()));
    }

    private BehaviorBuilder<Command> common() {
        return Behaviors.receive(Command.class)
                .onMessage(Command.class, Arrival::isInvalid, m -> reject(m, Arrival.why((Arrival) m)))
                .onMessage(Peers.class, this::onPeers)
                .onMessage(ClientLost.class, this::onClientLost)
                .onMessage(ClientBack.class, this::onClientBack)
                .onMessage(Restore.class, this::onRestore)
                .onMessage(Stop.class, m -> {
                    outbox.send(m.replyTo(), new Coordinator.PartyStopped(audit.stats(ROLE, -1)));
                    return Behaviors.stopped();
                })
                .onSignal(PostStop.class, s -> {
                    kit.compute().close();
                    return Behaviors.same();
                });
    }

    private Behavior<Command> onPeers(Peers m) {
        if (lost != null && m.clients().size() != lost.length) {
            return reject(m, m.clients().size() + " clients, the run has " + lost.length);
        }
        peers = m;
        outbox.reportTo(m.coordinator());
        if (lost == null) {
            lost = new boolean[m.clients().size()];
            barrier = new IterationBarrier(lost.length);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onRestore(Restore m) {
        Saved saved = Saved.fromBytes(m.state());
        timers.cancel(TIMER);
        stash.clear();
        round = null;
        lastRound = saved.lastRound();
        blocks.reset(saved.blocks());
        kit.compute().restore(saved.compute());
        audit.restore(saved.audit());
        if (lost != null) {
            java.util.Arrays.fill(lost, false); // the coordinator tells which clients are gone
        }
        return idle();
    }

    private Behavior<Command> onClientLost(ClientLost m) {
        if (lost == null || m.client() < 0 || m.client() >= lost.length || lost[m.client()]) {
            return reject(m, "client " + m.client() + " unknown or already lost");
        }
        lost[m.client()] = true;
        return round == null ? Behaviors.same() : dropClient(m.client(), false, null);
    }

    private Behavior<Command> onClientBack(ClientBack m) {
        if (lost == null || m.client() < 0 || m.client() >= lost.length || !lost[m.client()]) {
            return reject(m, "client " + m.client() + " unknown or not lost");
        }
        lost[m.client()] = false;
        List<ActorRef<Client.Command>> clients = new java.util.ArrayList<>(peers.clients());
        clients.set(m.client(), m.ref());
        peers = new Peers(clients, peers.fedServer(), peers.coordinator());
        return Behaviors.same();
    }

    private void arm(Wait what) {
        timers.startSingleTimer(TIMER, new Timeout(round.plan().round(), steps, what), kit.partyTimeout());
    }

    private Behavior<Command> reject(Command m, String why) {
        audit.rejected();
        ctx.getLog().warn("main server rejected {}: {}", m.getClass().getSimpleName(), why);
        return Behaviors.same();
    }
}

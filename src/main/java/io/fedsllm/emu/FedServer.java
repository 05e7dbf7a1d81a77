package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.scenario.MessageKind;
import io.fedsllm.scenario.Node;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.ScenarioEvent;
import java.time.Duration;
import java.util.Set;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The federated server (SYSTEM_MODEL §1): a separate party that only ever receives client-side LoRA weights (and the
 * server's LoRA of blocks moving to the clients when the split moves up). It keeps the global copy of the client-side
 * LoRA ({@link GlobalCopy}), broadcasts it at the start of every round (broadcast delay neglected, §1), and averages
 * the uploads weighted by |D_k| / Σ|D_j| once every live participant has reported (barrier = max of the upload
 * arrivals, {@link FedRound}). Split learning: it relays each client's LoRA to the next client instead.
 *
 * <p>Phases as behaviours: idle → hand-over (blocks moving with the split, {@link BlockHandover}) → collecting uploads
 * → idle. Blocks of the next round that overtake its plan are stashed. Waits are armed with {@code emu.party-timeout}:
 * the main server's blocks (silent: reported to the coordinator, which ends the run) and, once the coordinator says
 * the uploads are due, the clients' uploads (silent clients are left out of the average, logged). It never sees
 * activations, gradients or labels.
 */
public final class FedServer {

    public sealed interface Command extends CborSerializable
            permits Peers, Configure, Upload, NoUpload, ServerBlocks, ClientLost, ClientBack, UploadsDue, Stop, Timeout,
            Snapshot, Restore {}

    /** Who the server talks to: the clients (index = client id), the main server, the coordinator. */
    public record Peers(List<ActorRef<Client.Command>> clients, ActorRef<MainServer.Command> mainServer,
            ActorRef<Coordinator.Command> coordinator) implements Command, Control {}

    /**
     * The round: split ℓ (the copy must hold blocks 0..ℓ−1), rank r, I local iterations, participants (ascending) and the device each is
     * in this round (aligned), Δ bits per upload, the scenario lines of the server crashes that already happened.
     */
    public record Configure(int round, Scheme scheme, int splitLayer, int rank, int localIterations,
            List<Integer> participants, List<Integer> devices, long loraBits, List<Integer> crashesDone, double startS)
            implements Command, Arrival {
        /** The round starts on arrival. */
        @Override
        public double arrivalS() {
            return startS;
        }
    }

    /** Client k's LoRA of blocks 0..ℓ−1 (weights null in analytic mode), |D_k| samples. */
    public record Upload(int round, int client, int samples, List<Integer> blocks, long bits,
            @Carries(Carries.Content.CLIENT_LORA) byte[] weights, double arrivalS) implements Command, Arrival {}

    /**
     * Client k has no weights to average this round: it trained nothing, or ({@code lost}) its upload was lost on the
     * way (a scenario's drop or outage), noticed when it would have arrived.
     */
    public record NoUpload(int round, int client, boolean lost, double arrivalS) implements Command, Arrival {}

    /** The main server's LoRA of blocks moving to the clients (the split moved up). */
    public record ServerBlocks(int round, List<Integer> blocks, @Carries(Carries.Content.SERVER_LORA) byte[] weights,
            double arrivalS) implements Command, Arrival {}

    /** The coordinator learnt that this client is gone: never wait for it again. */
    public record ClientLost(int client) implements Command {}

    /** The client is back (its actor respawned, e.g. after a scripted crash): expect it again from the next round. */
    public record ClientBack(int client, ActorRef<Client.Command> ref) implements Command, Control {}

    /** The round's local training is over (the coordinator saw its end): every upload is due within the timeout. */
    public record UploadsDue(int round) implements Command {}

    /** The run is over: report what was received and stop. */
    public record Stop(ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** A checkpoint: between rounds, report what the server carries to the next round. */
    public record Snapshot(int round, ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** Continue from a checkpoint's state (whatever round was in progress is dropped). */
    public record Restore(@Carries(Carries.Content.PARTY_STATE) byte[] state) implements Command, Control {}

    /** A wait ran out (armed by the server itself). */
    record Timeout(int round, boolean uploads) implements Command, Control {}

    public static final String ROLE = "fed-server";
    private static final String TIMER = "wait";

    /**
     * What the server is given at spawn: its global copy's values (real mode), the wait bound and the run's scenario
     * (its own crashes; the drops and outages of the broadcast it sends).
     */
    record Kit(GlobalCopy copy, Duration partyTimeout, Scenario scenario) {}

    private final ActorContext<Command> ctx;
    private final StashBuffer<Command> stash;
    private final TimerScheduler<Command> timers;
    private final Kit kit;
    private final PartyAudit audit;
    private final Outbox outbox;
    private Behavior<Command> idlePhase;
    private Behavior<Command> handoverPhase;
    private Behavior<Command> collectingPhase;
    private final BlockHandover blocks = new BlockHandover(0, 0); // the global copy holds nothing before round 0
    private Peers peers;
    private boolean[] lost;
    private FedRound round;
    private int lastRound = -1;
    private long version;

    private FedServer(ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers, Kit kit,
            PartyAudit audit) {
        this.ctx = ctx;
        this.stash = stash;
        this.timers = timers;
        this.kit = kit;
        this.audit = audit;
        this.outbox = Outbox.of(ctx.getSystem(), null);
    }

    public static Behavior<Command> create(Kit kit) {
        PartyAudit audit = new PartyAudit();
        return audit.counting(Command.class, ScriptedCrash.crashable(Behaviors.setup(ctx -> Behaviors.withStash(64, stash ->
                Behaviors.withTimers(timers -> new FedServer(ctx, stash, timers, kit, audit).idle())))));
    }

    private Behavior<Command> idle() {
        if (idlePhase == null) {
            idlePhase = common()
                    .onMessage(Configure.class, this::onConfigure)
                    .onMessage(ServerBlocks.class, m -> {
                        if (m.round() != lastRound + 1 || stash.isFull()) {
                            return reject(m, "server blocks for round " + m.round() + " unexpected");
                        }
                        stash.stash(m); // sent by the main server before this round's plan reached us
                        return Behaviors.same();
                    })
                    .onMessage(Upload.class, m -> reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(NoUpload.class, m -> reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(UploadsDue.class, m -> Behaviors.same()) // the round was aggregated already
                    .onMessage(Snapshot.class, m -> {
                        outbox.send(m.replyTo(), new Coordinator.PartyState(ROLE, -1, new Saved(lastRound, blocks.held(), version,
                                kit.copy().state(), audit.stats(ROLE, -1)).toBytes()));
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
                    .onMessage(ServerBlocks.class, this::onServerBlocks)
                    .onMessage(Upload.class, m -> reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(NoUpload.class, m -> reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(UploadsDue.class, m -> Behaviors.same())
                    .build();
        }
        return handoverPhase;
    }

    private Behavior<Command> collecting() {
        if (collectingPhase == null) {
            collectingPhase = inRound()
                    .onMessage(Upload.class, this::onUpload)
                    .onMessage(NoUpload.class, this::onNoUpload)
                    .onMessage(ServerBlocks.class, m -> reject(m, "server blocks for round " + m.round() + " unexpected"))
                    .onMessage(UploadsDue.class, m -> {
                        if (m.round() == round.plan().round()) {
                            timers.startSingleTimer(TIMER, new Timeout(m.round(), true), kit.partyTimeout());
                        }
                        return Behaviors.same();
                    })
                    .build();
        }
        return collectingPhase;
    }

    private Behavior<Command> onConfigure(Configure m) {
        String bad = peers == null ? "no peers yet" : m.round() <= lastRound ? "round " + m.round() + " is over"
                : m.splitLayer() < 0 || m.rank() < 1 ? "negative split " + m.splitLayer() + " or rank " + m.rank() + " < 1" : null;
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
        crashIfDue(m, 0, m.startS());
        lastRound = m.round();
        round = new FedRound(m, lost);
        kit.copy().resize(m.rank());
        List<Integer> leaving = blocks.release(0, m.splitLayer());
        if (!leaving.isEmpty()) {
            // The split moved down: blocks ℓ.. of the global copy go to the main server.
            byte[] weights = kit.copy().take(m.splitLayer(), leaving.get(leaving.size() - 1) + 1);
            outbox.send(peers.mainServer(), new MainServer.AdoptBlocks(m.round(), leaving, weights, m.startS()));
        }
        return stash.unstashAll(maybeReady());
    }

    private Behavior<Command> onServerBlocks(ServerBlocks m) {
        if (m.round() != round.plan().round()) {
            return reject(m, "server blocks for round " + m.round() + " unexpected");
        }
        String bad = blocks.accept(m.blocks(), 0, round.plan().splitLayer());
        if (bad == null) {
            bad = kit.copy().merge(m.weights(), round.plan().rank());
        }
        return bad != null ? reject(m, "server blocks do not fit the global copy: " + bad) : maybeReady();
    }

    /** Ready once the copy holds exactly blocks 0..ℓ−1: broadcast it (sl: to the first client only). */
    private Behavior<Command> maybeReady() {
        FedServer.Configure plan = round.plan();
        if (!blocks.holdsExactly(0, plan.splitLayer())) {
            timers.startSingleTimer(TIMER, new Timeout(plan.round(), false), kit.partyTimeout());
            return handover();
        }
        timers.cancel(TIMER);
        List<Integer> held = blocks.held();
        outbox.send(peers.coordinator(), new Coordinator.FedReady(plan.round(), held, version, plan.startS()));
        byte[] weights = kit.copy().bytes();
        if (round.sequential()) {
            round.relayWeights(weights);
            relayNext();
        } else {
            for (int c : plan.participants()) {
                if (!lost[c]) {
                    send(c, held, weights, plan.startS());
                }
            }
        }
        return maybeAggregate();
    }

    /** Split learning: hand the latest LoRA to the next live client in id order. */
    private void relayNext() {
        int c = round.nextInTurn();
        if (c >= 0) {
            send(c, blocks.held(), round.relayWeights(), round.relayAtS());
        }
    }

    /** The global copy (or the relayed LoRA) to client {@code c}, sent at {@code atS}; lost or held by the scenario. */
    private void send(int c, List<Integer> held, byte[] weights, double atS) {
        FedServer.Configure plan = round.plan();
        Transmission t = Transmission.of(kit.scenario(), round.device(c), MessageKind.GLOBAL_LORA, plan.round(), 0, atS,
                at -> 0);
        if (!t.delivered()) {
            round.note(new Note(null, t.arrivalS(), "message-lost", List.of(round.device(c)), "global LoRA of round "
                    + plan.round() + " lost on the fed link (" + t.lost() + "): the client sits the round out"));
        }
        outbox.send(peers.clients().get(c), new Client.GlobalLora(plan.round(), plan.splitLayer(), held, version,
                t.delivered() ? weights : null, !t.delivered(), t.arrivalS()));
    }

    private Behavior<Command> onUpload(Upload m) {
        FedServer.Configure plan = round.plan();
        String why = round.checkReport(m.round(), m.client());
        if (why == null && !m.blocks().equals(Blocks.range(0, plan.splitLayer()))) {
            why = "uploaded blocks " + m.blocks() + " are not the client segment 0.." + (plan.splitLayer() - 1);
        }
        if (why == null && m.bits() != plan.loraBits()) {
            why = "LoRA size " + m.bits() + " bits, expected " + plan.loraBits();
        }
        if (why == null && (m.samples() < 1 || !Double.isFinite(m.arrivalS()) || m.arrivalS() < plan.startS())) {
            why = "invalid sample count " + m.samples() + " or arrival " + m.arrivalS() + " s";
        }
        GlobalCopy.Decoded d = why == null ? kit.copy().decode(m.weights(), m.bits(), plan.rank()) : null;
        if (why == null && d.refused() != null) {
            why = "client " + m.client() + ": " + d.refused();
        }
        if (why != null) {
            return reject(m, why);
        }
        round.upload(m, d.lora());
        if (round.sequential()) {
            version++;
            relayNext();
        }
        return maybeAggregate();
    }

    private Behavior<Command> onNoUpload(NoUpload m) {
        String why = round.checkReport(m.round(), m.client());
        if (why != null) {
            return reject(m, why);
        }
        if (m.lost()) {
            round.note(new Note(round.plan().localIterations(), m.arrivalS(), "message-lost",
                    List.of(round.device(m.client())), "LoRA upload of round " + m.round() + " lost on the fed link: "
                    + "left out of the aggregation"));
        }
        round.noUpload(m.client());
        if (round.sequential()) {
            relayNext();
        }
        return maybeAggregate();
    }

    /** Every live participant reported: the |D_k|-weighted average (client-id order), reported to the coordinator. */
    private Behavior<Command> maybeAggregate() {
        if (!round.complete()) {
            return collecting();
        }
        timers.cancel(TIMER);
        FedRound.Aggregation a = round.aggregation();
        crashIfDue(round.plan(), round.plan().localIterations(), a.endS());
        if (!round.sequential() && !a.contributors().isEmpty()) {
            version++;
        }
        kit.copy().aggregate(a.uploads(), a.samples(), round.sequential());
        outbox.send(peers.coordinator(), new Coordinator.Aggregated(round.plan().round(), a.endS(), a.contributors(), a.weights(),
                a.bytesFed(), version, kit.copy().bytes(), round.notes()));
        round = null;
        return stash.unstashAll(idle());
    }

    private Behavior<Command> onTimeout(Timeout m) {
        if (m.round() != round.plan().round()) {
            return Behaviors.same();
        }
        if (!m.uploads()) {
            outbox.send(peers.coordinator(), new Coordinator.Stalled(m.round(), "federated server", "the main server's blocks "
                    + "for split " + round.plan().splitLayer() + " (ServerBlocks)", kit.partyTimeout().toString()));
            return Behaviors.same();
        }
        for (int c : round.awaited()) {
            ctx.getLog().warn("federated server: client {} sent no LoRA in round {} within {} (fedsllm.emu.party-timeout):"
                    + " left out of the aggregation", c, m.round(), kit.partyTimeout());
            round.noUpload(c);
        }
        return maybeAggregate();
    }

    /** A scripted crash of the federated server due at (round, iteration, time) stops it here ({@link ScriptedCrash}). */
    private void crashIfDue(Configure plan, int iteration, double timeS) {
        Position p = new Position(plan.round(), iteration, timeS);
        ScenarioEvent.CrashServer c = kit.scenario().serverCrashDue(Node.FED_SERVER, p, Set.copyOf(plan.crashesDone()));
        if (c != null) {
            throw new ScriptedCrash(new ScriptedCrash.Info(c.line(), p.round(), p.iteration(), p.timeS()));
        }
    }

    private Behavior<Command> onClientBack(ClientBack m) {
        if (lost == null || m.client() < 0 || m.client() >= lost.length || !lost[m.client()]) {
            return reject(m, "client " + m.client() + " unknown or not lost");
        }
        lost[m.client()] = false;
        List<ActorRef<Client.Command>> clients = new java.util.ArrayList<>(peers.clients());
        clients.set(m.client(), m.ref());
        peers = new Peers(clients, peers.mainServer(), peers.coordinator());
        return Behaviors.same();
    }

    private BehaviorBuilder<Command> inRound() {
        return common()
                .onMessage(Configure.class, m -> reject(m, "configure of round " + m.round() + " during round "
                        + round.plan().round()))
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
        }
        return Behaviors.same();
    }

    private Behavior<Command> onRestore(Restore m) {
        Saved saved = Saved.fromBytes(m.state());
        timers.cancel(TIMER);
        stash.clear();
        round = null;
        lastRound = saved.lastRound();
        version = saved.version();
        blocks.reset(saved.blocks());
        kit.copy().restore(saved.compute());
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
        if (round == null) {
            return Behaviors.same();
        }
        boolean turn = round.lose(m.client());
        if (!blocks.holdsExactly(0, round.plan().splitLayer())) {
            return Behaviors.same(); // hand-over: nothing broadcast or awaited yet
        }
        if (turn) {
            relayNext();
        }
        return maybeAggregate();
    }

    private Behavior<Command> reject(Command m, String why) {
        audit.rejected();
        ctx.getLog().warn("federated server rejected {}: {}", m.getClass().getSimpleName(), why);
        return Behaviors.same();
    }
}

package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.scenario.Node;
import io.fedsllm.scenario.Scenario;
import java.time.Duration;
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
 *
 * <p>What both servers keep alike (peers, lost clients, checkpoint, rejections) is {@link ServerParty}'s; the round
 * in progress, its broadcast, uploads, waits and aggregation are {@link FedUploads}'.
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

    /**
     * What the server is given at spawn: its global copy's values (real mode), the wait bound and the run's scenario
     * (its own crashes; the drops and outages of the broadcast it sends).
     */
    record Kit(GlobalCopy copy, Duration partyTimeout, Scenario scenario) {}

    private final Kit kit;
    private final ServerParty<Command, Peers> party;
    private final FedUploads uploads;
    private Behavior<Command> idlePhase;
    private Behavior<Command> handoverPhase;
    private Behavior<Command> collectingPhase;

    private FedServer(ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers, Kit kit,
            PartyAudit audit) {
        this.kit = kit;
        // the global copy holds nothing before round 0
        this.party = new ServerParty<>("federated server", ROLE, ctx, stash, timers, audit, new BlockHandover(0, 0),
                new ServerParty.PeersOf<>(Peers::clients, Peers::coordinator,
                        (p, clients) -> new Peers(clients, p.mainServer(), p.coordinator())));
        this.uploads = new FedUploads(party, kit, this::collecting, this::idle);
    }

    public static Behavior<Command> create(Kit kit) {
        return ServerParty.behavior(Command.class,
                (ctx, stash, timers, audit) -> new FedServer(ctx, stash, timers, kit, audit).idle());
    }

    private Behavior<Command> idle() {
        if (idlePhase == null) {
            idlePhase = common()
                    .onMessage(Configure.class, this::onConfigure)
                    // sent by the main server before this round's plan reached us
                    .onMessage(ServerBlocks.class, m -> party.stashEarly(m, m.round(), "server blocks"))
                    .onMessage(Upload.class, m -> party.reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(NoUpload.class, m -> party.reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(UploadsDue.class, m -> Behaviors.same()) // the round was aggregated already
                    .onMessage(Snapshot.class, m -> party.snapshot(m.replyTo(), kit.copy().state()))
                    .onMessage(Timeout.class, m -> Behaviors.same())
                    .build();
        }
        return idlePhase;
    }

    private Behavior<Command> handover() {
        if (handoverPhase == null) {
            handoverPhase = inRound()
                    .onMessage(ServerBlocks.class, this::onServerBlocks)
                    .onMessage(Upload.class, m -> party.reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(NoUpload.class, m -> party.reject(m, "report for round " + m.round() + " unexpected"))
                    .onMessage(UploadsDue.class, m -> Behaviors.same())
                    .build();
        }
        return handoverPhase;
    }

    private Behavior<Command> collecting() {
        if (collectingPhase == null) {
            collectingPhase = inRound()
                    .onMessage(Upload.class, uploads::onUpload)
                    .onMessage(NoUpload.class, uploads::onNoUpload)
                    .onMessage(ServerBlocks.class, m -> party.reject(m, "server blocks for round " + m.round()
                            + " unexpected"))
                    .onMessage(UploadsDue.class, m -> uploads.uploadsDue(m.round()))
                    .build();
        }
        return collectingPhase;
    }

    private Behavior<Command> onConfigure(Configure m) {
        String bad = party.peers() == null ? "no peers yet" : m.round() <= party.lastRound() ? "round " + m.round() + " is over"
                : m.splitLayer() < 0 || m.rank() < 1 ? "negative split " + m.splitLayer() + " or rank " + m.rank() + " < 1" : null;
        if (bad == null) {
            bad = party.misfit(m.participants(), m.devices());
        }
        if (bad != null) {
            return party.reject(m, "configure of round " + m.round() + ": " + bad);
        }
        crashIfDue(kit.scenario(), m, 0, m.startS());
        party.begin(m.round());
        uploads.begin(new FedRound(m, party.lost()));
        kit.copy().resize(m.rank());
        List<Integer> leaving = party.blocks().release(0, m.splitLayer());
        if (!leaving.isEmpty()) {
            // The split moved down: blocks ℓ.. of the global copy go to the main server.
            byte[] weights = kit.copy().take(m.splitLayer(), leaving.get(leaving.size() - 1) + 1);
            party.outbox().send(party.peers().mainServer(), new MainServer.AdoptBlocks(m.round(), leaving, weights,
                    m.startS()));
        }
        return party.unstashAll(maybeReady());
    }

    private Behavior<Command> onServerBlocks(ServerBlocks m) {
        Configure plan = uploads.round().plan();
        if (m.round() != plan.round()) {
            return party.reject(m, "server blocks for round " + m.round() + " unexpected");
        }
        String bad = party.blocks().accept(m.blocks(), 0, plan.splitLayer());
        if (bad == null) {
            bad = kit.copy().merge(m.weights(), plan.rank());
        }
        return bad != null ? party.reject(m, "server blocks do not fit the global copy: " + bad) : maybeReady();
    }

    /** Ready once the copy holds exactly blocks 0..ℓ−1: broadcast it (sl: to the first client only). */
    private Behavior<Command> maybeReady() {
        Configure plan = uploads.round().plan();
        if (!party.blocks().holdsExactly(0, plan.splitLayer())) {
            party.await(new Timeout(plan.round(), false), kit.partyTimeout());
            return handover();
        }
        party.stopWaiting();
        List<Integer> held = party.blocks().held();
        party.outbox().send(party.coordinator(), new Coordinator.FedReady(plan.round(), held, party.version(),
                plan.startS()));
        return uploads.broadcast(held);
    }

    /** A scripted crash of the federated server due at (round, iteration, time) stops it here ({@link ScriptedCrash}). */
    static void crashIfDue(Scenario scenario, Configure plan, int iteration, double timeS) {
        ServerParty.crashIfDue(scenario, Node.FED_SERVER, plan.round(), plan.crashesDone(), iteration, timeS);
    }

    /** Phases within a round. */
    private BehaviorBuilder<Command> inRound() {
        return common()
                .onMessage(Configure.class, m -> party.reject(m, "configure of round " + m.round() + " during round "
                        + uploads.round().plan().round()))
                .onMessage(Timeout.class, uploads::onTimeout)
                .onMessage(Snapshot.class, m -> party.reject(m, "a checkpoint during round "
                        + uploads.round().plan().round()));
    }

    private BehaviorBuilder<Command> common() {
        return party.receive(Command.class, Peers.class)
                .onMessage(ClientLost.class, m -> !party.lose(m, m.client()) || uploads.round() == null
                        ? Behaviors.same() : uploads.onLost(m.client()))
                .onMessage(ClientBack.class, m -> party.back(m, m.client(), m.ref()))
                .onMessage(Restore.class, m -> {
                    party.restore(m.state(), kit.copy()::restore);
                    uploads.begin(null);
                    return idle();
                })
                .onMessage(Stop.class, m -> party.stop(m.replyTo()));
    }
}

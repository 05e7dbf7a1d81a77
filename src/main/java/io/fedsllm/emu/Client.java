package io.fedsllm.emu;

import io.fedsllm.plan.LinkAllocation;
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
import org.slf4j.Logger;

/**
 * One device k (SYSTEM_MODEL §1): its data shard (|D_k| samples), the client segment (blocks 0..ℓ−1) with its LoRA,
 * its processor and its two uplinks. Per local iteration it runs forward, uploads the split-layer activations to the
 * main server, waits for the activation gradients and runs backward; after the round's iterations it uploads its
 * client LoRA to the federated server and reports to the coordinator. The arithmetic is in {@link ClientRound}, what
 * each message of a round does in {@link ClientHandlers}.
 *
 * <p>Phases as behaviours: idle → waiting for the global copy → waiting for a barrier ⇄ waiting for gradients → idle.
 * Messages of the next round that overtake its plan are stashed. Every wait for a server is armed with twice
 * {@code emu.party-timeout} (the server's own waits for other clients come first): without gradients the iteration is left out; without the global copy or a barrier the
 * client withdraws from the round (uploads what it trained and tells the main server), so a lost message never holds
 * it. A later round's plan ends whatever round it was still in.
 */
public final class Client {

    public sealed interface Command extends CborSerializable
            permits Peers, StartRound, GlobalLora, StartIteration, Gradients, EndLocalTraining, Crash, Stop, Timeout,
            Snapshot, Restore {}

    /** Who the client talks to (from the coordinator, once every party is known). */
    public record Peers(ActorRef<MainServer.Command> mainServer, ActorRef<FedServer.Command> fedServer,
            ActorRef<Coordinator.Command> coordinator) implements Command, Control {}

    /**
     * The coordinator's plan for this client in one round; arrives at the round's start.
     *
     * @param localTraining federated LoRA (fl): all iterations locally, no main server
     * @param sequential    split learning: the global copy arrives at the client's turn (an unbounded wait)
     * @param forwardS      T_k^F of one iteration, before the compute factor
     * @param backwardS     T_k^B
     * @param device        the device this client is in the round (its id in the population; = the client's id
     *                      unless the population is larger than the clients of a round, analytic mode)
     * @param computeFactor the round's compute slow-down of this client ({@code emu.slowdown}; 1 = as modelled)
     * @param main          the main link's allocation (widths, planned PSDs, gains), for the rate under a fade that
     *                      starts mid-round; null when the scenario scripts no fades
     * @param fed           the same for the fed link
     */
    public record StartRound(int round, int device, int splitLayer, int rank, int localIterations, boolean localTraining,
            boolean sequential, double forwardS, double backwardS, double computeFactor, double rateMainBps,
            double rateFedBps, LinkAllocation main, LinkAllocation fed, long activationBits, long loraBits,
            double arrivalS) implements Command, Arrival {}

    /**
     * The federated server's global copy of the client-side LoRA, blocks 0..ℓ−1 (weights null in analytic mode);
     * {@code lost}: the broadcast did not reach the client (a scenario's drop or outage; no weights): it sits the
     * round out.
     */
    public record GlobalLora(int round, int splitLayer, List<Integer> blocks, long version,
            @Carries(Carries.Content.GLOBAL_LORA) byte[] weights, boolean lost, double arrivalS) implements Command, Arrival {}

    /** The main server's iteration barrier: the client may start iteration {@code iteration}. */
    public record StartIteration(int round, int iteration, double arrivalS) implements Command, Arrival {}

    /** Gradients w.r.t. the activations of one iteration; {@code accepted = false}: left out, no payload. */
    public record Gradients(int round, int iteration, boolean accepted, long bits,
            @Carries(Carries.Content.GRADIENTS) byte[] payload, double arrivalS) implements Command, Arrival {}

    /** The round's local iterations are over: upload the client LoRA. */
    public record EndLocalTraining(int round, double arrivalS) implements Command, Arrival {}

    /** Scripted fault: the actor stops (its guardian tells the coordinator). */
    public enum Crash implements Command { INSTANCE }

    /** The run is over: report what was received and stop. */
    public record Stop(ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** A checkpoint: between rounds, report what the client carries to the next round. */
    public record Snapshot(int round, ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** Continue from a checkpoint's state (whatever round was in progress is dropped). */
    public record Restore(@Carries(Carries.Content.PARTY_STATE) byte[] state) implements Command, Control {}

    /** A wait for a server ran out (armed by the client itself). */
    record Timeout(int round, int iteration, Wait waitingFor) implements Command, Control {}

    /** What a client waits for from a server. */
    enum Wait {
        GLOBAL("the federated server's global LoRA"),
        BARRIER("the main server's iteration barrier"),
        GRADIENTS("the main server's gradients");

        final String what;

        Wait(String what) {
            this.what = what;
        }
    }

    public static final String ROLE = "client";

    /**
     * What a client is given at spawn: its id, its compute (real mode: on its own shard only), the wait bound, the
     * run's scenario (what happens to its device and links), and whether it keeps its timeline spans.
     */
    record Kit(int id, ClientCompute compute, Double measuredScale, Duration partyTimeout, Scenario scenario,
            boolean spans) {}

    private final ActorContext<Command> ctx;
    private final StashBuffer<Command> stash;
    private final Kit kit;
    private final ClientRound work;
    private final PartyAudit audit;
    private final Outbox outbox;
    private final ClientHandlers handlers;
    private Behavior<Command> idlePhase;
    private Behavior<Command> awaitGlobalPhase;
    private Behavior<Command> awaitIterationPhase;
    private Behavior<Command> awaitGradientsPhase;

    private Client(ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers, Kit kit,
            PartyAudit audit) {
        this.ctx = ctx;
        this.stash = stash;
        this.kit = kit;
        this.audit = audit;
        this.outbox = Outbox.of(ctx.getSystem(), null);
        this.work = new ClientRound(kit.id(), kit.compute(), kit.measuredScale(), kit.scenario(), kit.spans());
        this.handlers = new ClientHandlers(this, stash, timers, kit, work, outbox);
    }

    public static Behavior<Command> create(Kit kit) {
        PartyAudit audit = new PartyAudit();
        return audit.counting(Command.class, ScriptedCrash.crashable(Behaviors.setup(ctx -> Behaviors.withStash(8, stash ->
                Behaviors.withTimers(timers -> new Client(ctx, stash, timers, kit, audit).idle())))));
    }

    /** Between rounds: a plan starts one; a later round's messages that overtake it wait in the stash. */
    Behavior<Command> idle() {
        if (idlePhase == null) {
            idlePhase = common()
                    .onMessage(StartRound.class, handlers::startRound)
                    .onMessage(GlobalLora.class, m -> stashIfLater(m, m.round()))
                    .onMessage(StartIteration.class, m -> stashIfLater(m, m.round()))
                    .onMessage(EndLocalTraining.class, m -> stashIfLater(m, m.round()))
                    .onMessage(Gradients.class, m -> reject(m, "gradients of round " + m.round() + " while idle"))
                    .onMessage(Timeout.class, m -> Behaviors.same()) // a wait of a round already over
                    .onMessage(Snapshot.class, m -> {
                        outbox.send(m.replyTo(), new Coordinator.PartyState(ROLE, kit.id(), new Saved(work.lastRound(), List.of(),
                                0, kit.compute().state(), audit.stats(ROLE, kit.id())).toBytes()));
                        return Behaviors.same();
                    })
                    .build();
        }
        return idlePhase;
    }

    /** The plan is in; the global copy of the round is awaited. */
    Behavior<Command> awaitGlobal() {
        if (awaitGlobalPhase == null) {
            awaitGlobalPhase = inRound()
                    .onMessage(GlobalLora.class, handlers::onGlobalLora)
                    .onMessage(StartIteration.class, m -> stashIfRound(m, m.round()))
                    .onMessage(EndLocalTraining.class, m -> m.round() == work.plan().round()
                            ? handlers.finishRound(m.arrivalS())
                            : reject(m, "end of round " + m.round() + " during round " + work.plan().round()))
                    .onMessage(Gradients.class, m -> reject(m, "gradients before the global LoRA"))
                    .build();
        }
        return awaitGlobalPhase;
    }

    /** Between iterations: the next barrier (or the end of local training) is awaited. */
    Behavior<Command> awaitIteration() {
        if (awaitIterationPhase == null) {
            awaitIterationPhase = inRound()
                    .onMessage(StartIteration.class, handlers::onStartIteration)
                    .onMessage(EndLocalTraining.class, handlers::onEndLocalTraining)
                    .onMessage(GlobalLora.class, m -> reject(m, "global LoRA for round " + m.round() + " already taken"))
                    .onMessage(Gradients.class, m -> reject(m, "gradients of iteration " + m.iteration() + " unexpected"))
                    .build();
        }
        return awaitIterationPhase;
    }

    /** Activations sent: the gradients of the iteration are awaited. */
    Behavior<Command> awaitGradients() {
        if (awaitGradientsPhase == null) {
            awaitGradientsPhase = inRound()
                    .onMessage(Gradients.class, handlers::onGradients)
                    .onMessage(EndLocalTraining.class, handlers::onEndLocalTraining)
                    .onMessage(StartIteration.class, m -> reject(m, "start of iteration " + m.iteration()
                            + " while the gradients of iteration " + work.iteration() + " are awaited"))
                    .onMessage(GlobalLora.class, m -> reject(m, "global LoRA for round " + m.round() + " already taken"))
                    .build();
        }
        return awaitGradientsPhase;
    }

    /** Phases within a round: a later round's plan ends this one; a wait that runs out is handled. */
    private BehaviorBuilder<Command> inRound() {
        return common()
                .onMessage(StartRound.class, m -> m.round() <= work.plan().round()
                        ? reject(m, "round " + m.round() + " during round " + work.plan().round())
                        : handlers.replan(m))
                .onMessage(Timeout.class, handlers::onTimeout)
                .onMessage(Snapshot.class, m -> reject(m, "a checkpoint during round " + work.plan().round()));
    }

    private Behavior<Command> onRestore(Restore m) {
        Saved saved = Saved.fromBytes(m.state());
        handlers.cancelWait();
        stash.clear();
        work.restore(saved.lastRound());
        kit.compute().restore(saved.compute());
        audit.restore(saved.audit());
        return idle();
    }

    /** Messages every phase handles alike. */
    private BehaviorBuilder<Command> common() {
        return Behaviors.receive(Command.class)
                .onMessage(Command.class, Arrival::isInvalid, m -> reject(m, Arrival.why((Arrival) m)))
                .onMessage(Peers.class, m -> {
                    handlers.connect(m);
                    return Behaviors.same();
                })
                .onMessageEquals(Crash.INSTANCE, Behaviors::stopped)
                .onMessage(Restore.class, this::onRestore)
                .onMessage(Stop.class, m -> {
                    outbox.send(m.replyTo(), new Coordinator.PartyStopped(audit.stats(ROLE, kit.id())));
                    return Behaviors.stopped();
                })
                .onSignal(PostStop.class, s -> {
                    kit.compute().close();
                    return Behaviors.same();
                });
    }

    /**
     * A message of a later round may overtake its plan (from another sender): kept until the plan arrives; an earlier
     * round's is refused. A client need not take part in consecutive rounds (the population's selection).
     */
    private Behavior<Command> stashIfLater(Command m, int round) {
        return round > work.lastRound() ? stashOrReject(m) : reject(m, m.getClass().getSimpleName() + " of round "
                + round + " unexpected (last round " + work.lastRound() + ")");
    }

    private Behavior<Command> stashIfRound(Command m, int round) {
        return round == work.plan().round() ? stashOrReject(m) : reject(m, "message of round " + round
                + " during round " + work.plan().round());
    }

    private Behavior<Command> stashOrReject(Command m) {
        if (stash.isFull()) {
            return reject(m, "too many early messages");
        }
        stash.stash(m);
        return Behaviors.same();
    }

    Behavior<Command> reject(Command m, String why) {
        audit.rejected();
        log().warn("client {} rejected {}: {}", kit.id(), m.getClass().getSimpleName(), why);
        return Behaviors.same();
    }

    /** The client's log, for {@link ClientHandlers} too: named after this class, whichever class writes to it. */
    Logger log() {
        return ctx.getLog();
    }
}

package io.fedsllm.emu;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuRuntime;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.plan.RoundPlanner;
import io.fedsllm.population.Population;
import io.fedsllm.results.ClientSpan;
import io.fedsllm.scenario.Scenario;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * Owns the experiment (not a party of the modelled system): it finds the role guardians through the Receptionist and
 * enrols them with the experiment's configuration; once every party is known it wires them together and runs the
 * rounds. Every global round it stops the clients scripted to crash, runs the planner ({@link RoundPlanner}) on the
 * live clients, tells every party its part of the plan, collects the round's reports ({@link RoundBook}), checks
 * that the LoRA of every block is held exactly once ({@link Ledger}), has its evaluator compute the validation loss
 * (real mode), sends the round's record to the {@link Recorder} and decides when to stop (rounds limit, target
 * loss, no clients left). At the end it collects every party's message totals and reports the outcome.
 *
 * <p>Nothing waits forever: enrolment and every round are watched by a timer of {@code emu.party-timeout}, re-armed by
 * every report; a client silent past it is left out of the round, a silent server or evaluator ends the run naming
 * it and the round. A party's guardian reports a party that stops (a dead client is left out from then on; a server
 * ends the run), a server that waited in vain for the other server ends the run, and a diverging training loss ends
 * it as a user error. The coordinator also watches every guardian it enrolled: a whole node that goes (on a cluster:
 * its JVM died and the split brain resolver downed it) takes its clients out from then on, the reason in
 * {@code clientFailures}, or ends the run if it hosted a server. The phases and the bookkeeping are in
 * {@link CoordinatorRun}.
 */
public final class Coordinator {
    private Coordinator() {}

    public sealed interface Command extends CborSerializable
            permits MainServerEnrolled, FedServerEnrolled, ClientsEnrolled, PartyTerminated, ServerReady, FedReady,
            ClientReport, IterationProgress, IterationsDone, Aggregated, Evaluated, Stalled, Diverged, PartyStopped,
            Timeout, Listed, PartyState, GuardianTerminated, Undelivered {}

    /** The main-server guardian hosts the main server. */
    public record MainServerEnrolled(ActorRef<MainServer.Command> mainServer) implements Command, Control {}

    /** The federated-server guardian hosts the federated server. */
    public record FedServerEnrolled(ActorRef<FedServer.Command> fedServer) implements Command, Control {}

    /** A clients guardian hosts these clients (aligned lists). */
    public record ClientsEnrolled(List<Integer> ids, List<ActorRef<Client.Command>> clients,
            ActorRef<RoleGuardian.Command> guardian) implements Command, Control {}

    /**
     * A guardian's party stopped, or could not be created: {@code party} = client id (-1 for a server or a whole
     * guardian), {@code cause} "Type: message" of its failure (null when it stopped without one), {@code crash} where
     * and when its scripted crash happened (null when it was not one).
     */
    public record PartyTerminated(String role, int party, String cause, ScriptedCrash.Info crash)
            implements Command, Control {
        public PartyTerminated(String role, int party, String cause) {
            this(role, party, cause, null);
        }
    }

    /** The main server holds exactly its blocks for the round and starts iterating at {@code arrivalS}. */
    public record ServerReady(int round, List<Integer> serverBlocks, double arrivalS) implements Command, Arrival {}

    /** The federated server's global copy holds exactly the client blocks and was broadcast at {@code arrivalS}. */
    public record FedReady(int round, List<Integer> globalBlocks, long version, double arrivalS)
            implements Command, Arrival {}

    /**
     * One client's totals for the round, as device {@code device}; {@code doneS} = when it finished (sent its LoRA);
     * {@code localTrainLoss} = mean loss of its local steps (federated LoRA in real mode; null otherwise); its timeline
     * spans (empty unless kept).
     */
    public record ClientReport(int round, int client, int device, double forwardS, double activationUploadS,
            double backwardS, double loraUploadS, int iterationsDone, int iterationsLeftOut, double doneS,
            Double localTrainLoss, List<ClientSpan> spans) implements Command, Arrival {
        /** Reported when the client finished. */
        @Override
        public double arrivalS() {
            return doneS;
        }
    }

    /** The main server stepped iteration {@code iteration} of the round (progress; it bounds the coordinator's wait). */
    public record IterationProgress(int round, int iteration, double arrivalS) implements Command, Arrival {}

    /**
     * The main server finished the round's iterations at {@code endS}; breakdown totals; mean loss of its steps and
     * its LoRA bytes (both null in analytic mode or without a step); when each local iteration started (NaN: never)
     * and what it noted for events.jsonl.
     */
    public record IterationsDone(int round, double endS, double t1S, double serverForwardS, double serverBackwardS,
            double t2S, long bytesMain, int iterationsLeftOut, Double trainLoss,
            @Carries(Carries.Content.SERVER_LORA) byte[] serverLora, List<Double> iterationStartS, List<Note> notes)
            implements Command, Arrival {
        /** Reported at the end of the iterations. */
        @Override
        public double arrivalS() {
            return endS;
        }
    }

    /**
     * The federated server aggregated at {@code endS} with these |D_k| weights (client-id order); the global copy's
     * bytes in real mode (null in analytic mode); what it noted for events.jsonl.
     */
    public record Aggregated(int round, double endS, List<Integer> contributors, List<Double> weights, long bytesFed,
            long version, @Carries(Carries.Content.GLOBAL_LORA) byte[] globalLora, List<Note> notes)
            implements Command, Arrival {
        /** Reported at the aggregation. */
        @Override
        public double arrivalS() {
            return endS;
        }
    }

    /** Real mode: the validation loss after the round, or why it could not be computed ({@code error} non-null). */
    public record Evaluated(int round, double valLoss, String error) implements Command {}

    /** A server waited {@code timeout} in vain for the other server ({@code waitingFor}): the run cannot go on. */
    public record Stalled(int round, String party, String waitingFor, String timeout) implements Command {}

    /** Training diverged: {@code what} is not finite (e.g. "training loss NaN at the main server"); a user error. */
    public record Diverged(int round, String what) implements Command {}

    /** A party's state at a checkpoint (the answer to its Snapshot): {@code party} = client id, or -1. */
    public record PartyState(String role, int party, @Carries(Carries.Content.PARTY_STATE) byte[] state)
            implements Command, Control {}

    /** A party's totals at the end of the run (the answer to its Stop). */
    public record PartyStopped(PartyAudit.PartyStats stats) implements Command, Control {}

    /** A wait of the coordinator ran out (armed by itself). */
    record Timeout(int round, int generation) implements Command, Control {}

    /** The Receptionist's list of a role's guardians. */
    record Listed(Receptionist.Listing listing) implements Command, Control {}

    /**
     * An enrolled guardian of {@code role} terminated (the coordinator's death watch): on a cluster, its node left,
     * crashed or was downed as unreachable, taking every party it hosted with it.
     */
    record GuardianTerminated(String role, ActorRef<RoleGuardian.Command> guardian) implements Command, Control {}

    /**
     * A message of the run could not be delivered ({@link Outbox}): {@code message} is its type (e.g.
     * {@code MainServer.Activations}), {@code target} whom it was for, {@code cause} what kept it from its target and
     * {@code reason} the courier's words. Told by the sender's node, whichever party sent it.
     */
    public record Undelivered(String message, ActorRef<?> target, io.fedsllm.cluster.Courier.Cause cause, String reason)
            implements Command, Control {}

    public static final String ROLE = "coordinator";

    /**
     * What the coordinator is given: the experiment (its configuration as text for the nodes, and read), the planner,
     * K, the client actors of the run, the device population, the scenario, the recorder, (real mode) the evaluator
     * and, for a resumed run, the checkpoint's files.
     */
    public record Kit(String experiment, EmuSettings emu, EmuRuntime runtime, RoundPlanner planner, int clients,
            int slots, Population population, Scenario scenario, ActorRef<Recorder.Command> recorder,
            ActorRef<RoundEvaluator.Command> evaluator, Map<String, byte[]> resume) {

        /**
         * The kit of an experiment configuration; {@code resume}: the files of the checkpoint a resumed run continues
         * from (null for a new run).
         */
        public static Kit of(com.typesafe.config.Config experiment, RoundPlanner planner, Population population,
                Scenario scenario, ActorRef<Recorder.Command> recorder, ActorRef<RoundEvaluator.Command> evaluator,
                Map<String, byte[]> resume) {
            ConfigReader root = ConfigReader.root(experiment);
            return new Kit(Kits.render(experiment), EmuSettings.from(root), EmuRuntime.from(root), planner,
                    Kits.clients(root), Kits.slots(experiment, scenario), population, scenario, recorder, evaluator, resume);
        }
    }

    public static Behavior<Command> create(Kit kit) {
        PartyAudit audit = new PartyAudit();
        return audit.counting(Command.class, Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ctx.setLoggerName(Coordinator.class);
            if (kit.evaluator() != null) {
                ctx.watchWith(kit.evaluator(), new PartyTerminated(RoundEvaluator.ROLE, -1, null));
            }
            return new CoordinatorRun(ctx, timers, kit, audit).enrolling();
        })));
    }
}

package io.fedsllm.emu;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.config.UserError;
import io.fedsllm.plan.RoundPlan;
import io.fedsllm.plan.RoundPlanner;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns the experiment: spawns the main server, the federated server and one client per device; every global
 * round it stops the clients scripted to die, draws the channel realisation and runs the planner
 * ({@link RoundPlanner}), tells every actor its part of the plan, collects the round's reports, checks that the
 * LoRA of every block is held exactly once, records the round and decides when to stop (rounds limit, target
 * loss, no clients left). Every child is death-watched: a dead client is left out from then on and reported (with
 * its exception when it failed); the main server, the federated server or the evaluator stopping, or the
 * coordinator itself failing, ends the run with an error naming the actor and the cause ({@link RunFailure}).
 *
 * <p>Real mode: the compute actors run on the one-thread compute dispatcher with a {@link RealMode}; after each
 * round the coordinator, as the experiment owner, has its {@link RoundEvaluator} child compute the validation
 * loss from the federated server's global copy and the main server's LoRA (no virtual time) and stops once the
 * target loss is reached. A non-finite training loss stops the run with a user error.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

    public sealed interface Command extends CborSerializable {}

    /**
     * The main server holds exactly its blocks for the round and starts iterating at {@code arrivalS} (the round
     * start: moving blocks costs no virtual time, SYSTEM_MODEL §1).
     */
    public record ServerReady(int round, List<Integer> serverBlocks, double arrivalS) implements Command, Arrival {}

    /** The federated server's global copy holds exactly the client blocks and was broadcast at {@code arrivalS}. */
    public record FedReady(int round, List<Integer> globalBlocks, long version, double arrivalS)
            implements Command, Arrival {}

    /**
     * One client's totals for the round; {@code doneS} = when it finished (sent its LoRA); {@code localTrainLoss} =
     * mean loss of its local steps (federated LoRA in real mode; null otherwise).
     */
    public record ClientReport(int round, int client, double forwardS, double activationUploadS, double backwardS,
            double loraUploadS, int iterationsDone, int iterationsLeftOut, double doneS, Double localTrainLoss)
            implements Command, Arrival {
        /** Reported when the client finished. */
        @Override
        public double arrivalS() {
            return doneS;
        }
    }

    /**
     * The main server finished the round's iterations at {@code endS}; breakdown totals; mean loss of its steps
     * and its LoRA bytes (both null in analytic mode or without a step).
     */
    public record IterationsDone(int round, double endS, double t1S, double serverForwardS, double serverBackwardS,
            double t2S, long bytesMain, int iterationsLeftOut, Double trainLoss,
            @Carries(Carries.Content.SERVER_LORA) byte[] serverLora)
            implements Command, Arrival {
        /** Reported at the end of the iterations. */
        @Override
        public double arrivalS() {
            return endS;
        }
    }

    /**
     * The federated server aggregated at {@code endS} with these |D_k| weights (client-id order); the global copy's
     * bytes in real mode (null in analytic mode).
     */
    public record Aggregated(int round, double endS, List<Integer> contributors, List<Double> weights, long bytesFed,
            long version, @Carries(Carries.Content.GLOBAL_LORA) byte[] globalLora) implements Command, Arrival {
        /** Reported at the aggregation. */
        @Override
        public double arrivalS() {
            return endS;
        }
    }

    /** Real mode: the validation loss after the round, or why it could not be computed ({@code error} non-null). */
    public record Evaluated(int round, double valLoss, String error) implements Command {}

    public static final String ROLE = "coordinator";

    private final EmuSettings emu;
    private final RoundPlanner planning;
    private final RunSink sink;
    private final MessageAudit audit;
    private final CompletableFuture<RunResult> done;
    private final long wallStartNs = System.nanoTime();

    private final ActorRef<MainServer.Command> mainServer;
    private final ActorRef<FedServer.Command> fedServer;
    private final List<ActorRef<Client.Command>> clients;
    private final boolean[] alive;
    private final ActorRef<RoundEvaluator.Evaluate> evaluator;   // real mode; null in analytic mode
    private final Map<ActorRef<?>, Integer> clientIds = new HashMap<>();   // death watch: which client stopped
    private final Map<ActorRef<?>, String> parties = new HashMap<>();      // death watch: the other children
    private final SortedMap<Integer, String> clientFailures = new TreeMap<>();

    private final List<RoundRecord> records = new ArrayList<>();
    private int round = -1;
    private double roundStartS;
    private long roundWallStartNs;
    private final TreeSet<Integer> pendingKills = new TreeSet<>();
    private final TreeSet<Integer> dropped = new TreeSet<>();
    private RoundPlan setup;
    private ClientReport[] reports;
    private boolean[] expectingReport;
    private int reportsPending;
    private IterationsDone iterationsDone;
    private Aggregated aggregated;
    private ServerReady serverReady;
    private FedReady fedReady;
    private boolean evaluating;
    private Evaluated evaluated;
    private long bytesMain;
    private long bytesFed;
    private final int clientCount;   // K, the clients of the deployment

    /** Analytic mode. @param samples |D_k| of every client (its length is K) */
    public static Behavior<Command> create(EmuSettings emu, RoundPlanner planning, int[] samples, RunSink sink,
            MessageAudit audit, CompletableFuture<RunResult> done) {
        return RunFailure.completesOnFailure(Command.class, ROLE, done,
                Behaviors.setup(ctx -> new Coordinator(ctx, emu, planning, samples, null, sink, audit, done)));
    }

    /** Real mode: the compute actors run on the single-thread compute dispatcher; |D_k| = shard sizes. */
    public static Behavior<Command> create(EmuSettings emu, RoundPlanner planning, RealMode real, RunSink sink,
            MessageAudit audit, CompletableFuture<RunResult> done) {
        return RunFailure.completesOnFailure(Command.class, ROLE, done,
                Behaviors.setup(ctx -> new Coordinator(ctx, emu, planning, real.samples(), real, sink, audit, done)));
    }

    private Coordinator(ActorContext<Command> ctx, EmuSettings emu, RoundPlanner planning, int[] samples, RealMode real,
            RunSink sink, MessageAudit audit, CompletableFuture<RunResult> done) {
        super(ctx);
        ctx.setLoggerName(Coordinator.class); // not guessed from the stack (a death-watch signal may log first)
        this.emu = emu;
        this.planning = planning;
        this.clientCount = samples.length;
        this.sink = sink;
        this.audit = audit;
        this.done = done;
        Props compute = real != null ? DispatcherSelector.fromConfig("fedsllm.compute-dispatcher") : Props.empty();
        this.mainServer = ctx.spawn(real == null ? MainServer.create(planning.layers(), audit)
                : MainServer.create(audit, real.context(), real.shards(), real.measuredScale()), "main-server", compute);
        this.fedServer = ctx.spawn(real == null ? FedServer.create(audit) : FedServer.create(audit, real.context().seed()),
                "fed-server", compute);
        this.evaluator = real == null ? null : ctx.spawn(RoundEvaluator.create(real.context(), audit), "evaluator", compute);
        watchParty(mainServer, MainServer.ROLE);
        watchParty(fedServer, FedServer.ROLE);
        if (evaluator != null) {
            watchParty(evaluator, RoundEvaluator.ROLE);
        }
        int k = emu.scheme() == Scheme.CENTRALIZED ? 0 : samples.length;
        List<ActorRef<Client.Command>> refs = new ArrayList<>(k);
        for (int c = 0; c < k; c++) {
            Behavior<Client.Command> client = real == null
                    ? Client.create(c, samples[c], emu.slowdown(c), mainServer, fedServer, ctx.getSelf(), audit)
                    : Client.create(c, real.shards().get(c), emu.slowdown(c), mainServer, fedServer, ctx.getSelf(), audit,
                            real.context(), real.measuredScale());
            ActorRef<Client.Command> ref = ctx.spawn(client, "client-" + c, compute);
            ctx.watch(ref);
            clientIds.put(ref, c);
            refs.add(ref);
        }
        this.clients = List.copyOf(refs);
        this.alive = new boolean[k];
        Arrays.fill(alive, true);
        this.reports = new ClientReport[k];
        this.expectingReport = new boolean[k];
        mainServer.tell(new MainServer.Setup(clients, fedServer, ctx.getSelf()));
        fedServer.tell(new FedServer.Setup(clients, mainServer, ctx.getSelf()));
        beginRound(0, 0.0);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Command.class, Arrival::isInvalid, this::onInvalidArrival)
                .onMessage(ServerReady.class, this::onServerReady)
                .onMessage(FedReady.class, this::onFedReady)
                .onMessage(ClientReport.class, this::onClientReport)
                .onMessage(IterationsDone.class, this::onIterationsDone)
                .onMessage(Aggregated.class, this::onAggregated)
                .onMessage(Evaluated.class, this::onEvaluated)
                .onSignal(Terminated.class, this::onTerminated)
                .build();
    }

    private void watchParty(ActorRef<?> party, String role) {
        getContext().watch(party);
        parties.put(party, role);
    }

    /** Death watch: a client is dropped; any other child stopping ends the run with an error. */
    private Behavior<Command> onTerminated(Terminated t) {
        Throwable cause = t instanceof ChildFailed f ? f.cause() : null;
        Integer client = clientIds.get(t.getRef());
        if (client != null) {
            return onClientTerminated(client, cause);
        }
        String why = "the " + parties.getOrDefault(t.getRef(), t.getRef().path().name()) + " stopped unexpectedly in round "
                + round + (cause == null ? "" : ": " + RunFailure.describe(cause));
        getContext().getLog().error(why, cause);
        done.completeExceptionally(new IllegalStateException(why, cause));
        return Behaviors.stopped();
    }

    /** Round start: stop the clients scripted to die now; plan once the death watch has seen them go. */
    private void beginRound(int r, double startS) {
        round = r;
        roundStartS = startS;
        roundWallStartNs = System.nanoTime();
        dropped.clear();
        setup = null;
        for (Map.Entry<Integer, Integer> e : emu.killAtRound().entrySet()) {
            int c = e.getKey();
            if (e.getValue() == r && c < alive.length && alive[c]) {
                pendingKills.add(c);
                clients.get(c).tell(Client.Crash.INSTANCE);
            }
        }
        if (pendingKills.isEmpty()) {
            runRound();
        }
    }

    private void runRound() {
        List<Integer> live = new ArrayList<>();
        for (int c = 0; c < alive.length; c++) {
            if (alive[c]) {
                live.add(c);
            }
        }
        if (emu.scheme() != Scheme.CENTRALIZED && live.isEmpty()) {
            finish("no-clients");
            return;
        }
        int[] participants = live.stream().mapToInt(Integer::intValue).toArray();
        setup = planning.plan(round, participants);
        iterationsDone = null;
        aggregated = null;
        serverReady = null;
        fedReady = null;
        evaluating = false;
        evaluated = null;
        reportsPending = participants.length;
        Arrays.fill(reports, null);
        Arrays.fill(expectingReport, false);
        // The deadline is about parallel clients racing to the main server: it applies to sfl only.
        double deadlineS = emu.stragglers() == EmuSettings.StragglerPolicy.DEADLINE && setup.scheme() == Scheme.SFL
                ? emu.deadlineFactor() * setup.plannedT1S() : Double.POSITIVE_INFINITY;
        boolean sequential = setup.scheme() == Scheme.SL;
        boolean local = setup.scheme() == Scheme.FL;
        int centralizedBatches = setup.scheme() == Scheme.CENTRALIZED ? clientCount : 0;
        mainServer.tell(new MainServer.Configure(round, setup.splitLayer(), setup.rank(), setup.localIterations(), live,
                sequential, local, centralizedBatches, setup.serverForwardPerBatchS(), setup.activationBits(),
                setup.gradientDownloadS(), deadlineS, roundStartS));
        fedServer.tell(new FedServer.Configure(round, setup.splitLayer(), setup.rank(), live, sequential, setup.loraBits(),
                roundStartS));
        for (RoundPlan.ClientShare s : setup.shares()) {
            expectingReport[s.client()] = true;
            clients.get(s.client()).tell(new Client.StartRound(round, setup.splitLayer(), setup.rank(),
                    setup.localIterations(), local, s.forwardS(), s.backwardS(), s.rateMainBps(),
                    s.rateFedBps(), setup.activationBits(), setup.loraBits(), roundStartS));
        }
    }

    private Behavior<Command> onInvalidArrival(Command m) {
        audit.record(ROLE, m);
        return reject(m, Arrival.why((Arrival) m));
    }

    private Behavior<Command> onServerReady(ServerReady m) {
        audit.record(ROLE, m);
        if (setup == null || m.round() != round || serverReady != null) {
            return reject(m, "unexpected ServerReady for round " + m.round());
        }
        serverReady = m;
        return checkComplete();
    }

    private Behavior<Command> onFedReady(FedReady m) {
        audit.record(ROLE, m);
        if (setup == null || m.round() != round || fedReady != null) {
            return reject(m, "unexpected FedReady for round " + m.round());
        }
        fedReady = m;
        return checkComplete();
    }

    private Behavior<Command> onClientReport(ClientReport m) {
        audit.record(ROLE, m);
        if (setup == null || m.round() != round || m.client() < 0 || m.client() >= reports.length
                || !expectingReport[m.client()] || reports[m.client()] != null) {
            return reject(m, "unexpected report of client " + m.client() + " for round " + m.round());
        }
        reports[m.client()] = m;
        reportsPending--;
        return checkComplete();
    }

    private Behavior<Command> onIterationsDone(IterationsDone m) {
        audit.record(ROLE, m);
        if (setup == null || m.round() != round || iterationsDone != null) {
            return reject(m, "unexpected IterationsDone for round " + m.round());
        }
        iterationsDone = m;
        return checkComplete();
    }

    private Behavior<Command> onAggregated(Aggregated m) {
        audit.record(ROLE, m);
        if (setup == null || m.round() != round || aggregated != null) {
            return reject(m, "unexpected Aggregated for round " + m.round());
        }
        aggregated = m;
        return checkComplete();
    }

    private Behavior<Command> onEvaluated(Evaluated m) {
        audit.record(ROLE, m);
        if (setup == null || m.round() != round || !evaluating || evaluated != null) {
            return reject(m, "unexpected Evaluated for round " + m.round());
        }
        if (m.error() != null) {
            done.completeExceptionally(new IllegalStateException("round " + round + ": evaluation failed: " + m.error()));
            return Behaviors.stopped();
        }
        evaluated = m;
        return checkComplete();
    }

    private Behavior<Command> onClientTerminated(int c, Throwable cause) {
        alive[c] = false;
        dropped.add(c);
        mainServer.tell(new MainServer.ClientLost(c));
        fedServer.tell(new FedServer.ClientLost(c));
        if (pendingKills.remove(c)) {
            if (pendingKills.isEmpty()) {
                runRound();
            }
            return done.isDone() ? Behaviors.stopped() : this;
        }
        if (cause != null) {
            // Not a scripted kill: the client's own exception (a rejection of a bad message never stops it).
            clientFailures.put(c, RunFailure.describe(cause));
            getContext().getLog().warn("client {} failed during round {}: left out from now on", c, round, cause);
        } else {
            getContext().getLog().warn("client {} died during round {}: left out from now on", c, round);
        }
        if (setup != null && expectingReport[c] && reports[c] == null) {
            expectingReport[c] = false;
            reportsPending--;
            return checkComplete();
        }
        return this;
    }

    private Behavior<Command> checkComplete() {
        if (reportsPending > 0 || iterationsDone == null || aggregated == null || serverReady == null || fedReady == null) {
            return this;
        }
        String ledger = Ledger.check(serverReady.serverBlocks(), fedReady.globalBlocks(), planning.layers());
        if (ledger != null) {
            done.completeExceptionally(new IllegalStateException("round " + round + ": " + ledger));
            return Behaviors.stopped();
        }
        if (evaluator != null && evaluated == null) {
            Double trainLoss = trainLoss();
            if (trainLoss != null && !Double.isFinite(trainLoss)) {
                done.completeExceptionally(new UserError("training diverged in round " + round + " (training loss "
                        + trainLoss + "): lower fedsllm.train.learning-rate"));
                return Behaviors.stopped();
            }
            if (!evaluating) {
                evaluating = true;
                evaluator.tell(new RoundEvaluator.Evaluate(round, setup.splitLayer(), aggregated.globalLora(),
                        iterationsDone.serverLora(), getContext().getSelf()));
            }
            return this;
        }
        RoundRecord record = record();
        records.add(record);
        bytesMain += record.bytesMain();
        bytesFed += record.bytesFed();
        sink.round(record, (System.nanoTime() - roundWallStartNs) / 1e9);
        if (emu.targetLoss() != null && record.valLoss() != null && record.valLoss() <= emu.targetLoss()) {
            return finish("target");
        }
        if (round + 1 >= emu.rounds()) {
            return finish("rounds");
        }
        beginRound(round + 1, record.virtualEndS());
        return done.isDone() ? Behaviors.stopped() : this;
    }

    private RoundRecord record() {
        double endS = Math.max(iterationsDone.endS(), aggregated.endS());
        Map<Integer, Double> weights = new HashMap<>();
        for (int i = 0; i < aggregated.contributors().size(); i++) {
            weights.put(aggregated.contributors().get(i), aggregated.weights().get(i));
        }
        List<RoundRecord.ClientRound> perClient = new ArrayList<>();
        Integer slowest = null;
        double slowestS = -1;
        double localEndS = roundStartS;
        int leftOut = 0;
        for (RoundPlan.ClientShare s : setup.shares()) {
            ClientReport r = reports[s.client()];
            if (r == null) {
                continue;
            }
            perClient.add(new RoundRecord.ClientRound(r.client(), r.forwardS(), r.activationUploadS(), r.backwardS(),
                    r.loraUploadS(), s.subchannelsMain(), s.subchannelsFed(), r.iterationsDone(), r.iterationsLeftOut(),
                    weights.getOrDefault(r.client(), 0.0)));
            double busy = r.forwardS() + r.activationUploadS() + r.backwardS() + r.loraUploadS();
            if (busy > slowestS) {
                slowestS = busy;
                slowest = r.client();
            }
            localEndS = Math.max(localEndS, r.doneS());
            leftOut += r.iterationsLeftOut();
        }
        RoundRecord.Breakdown b;
        if (setup.scheme() == Scheme.FL) {
            b = new RoundRecord.Breakdown(localEndS - roundStartS, 0, 0, 0, endS - localEndS);
        } else {
            b = new RoundRecord.Breakdown(iterationsDone.t1S(), iterationsDone.serverForwardS(),
                    iterationsDone.serverBackwardS(), iterationsDone.t2S(), endS - iterationsDone.endS());
        }
        return new RoundRecord(round, roundStartS, endS, setup.plannedRoundS(), setup.splitLayer(), setup.rank(),
                setup.participants().length, List.copyOf(dropped), trainLoss(),
                evaluated == null ? null : evaluated.valLoss(),
                iterationsDone.bytesMain(), aggregated.bytesFed(), b, leftOut, slowest, perClient);
    }

    /**
     * The round's training loss: the main server's mean step loss, or (federated LoRA, whose steps run on the
     * clients) the mean of the clients' local losses in client-id order; null in analytic mode.
     */
    private Double trainLoss() {
        if (setup.scheme() != Scheme.FL) {
            return iterationsDone.trainLoss();
        }
        double sum = 0;
        int n = 0;
        for (ClientReport r : reports) {
            if (r != null && r.localTrainLoss() != null) {
                sum += r.localTrainLoss();
                n++;
            }
        }
        return n == 0 ? null : sum / n;
    }

    private Behavior<Command> finish(String reason) {
        RoundRecord last = records.isEmpty() ? null : records.get(records.size() - 1);
        Double timeToTarget = null;
        if (emu.targetLoss() != null) {
            for (RoundRecord r : records) {
                if (r.valLoss() != null && r.valLoss() <= emu.targetLoss()) {
                    timeToTarget = r.virtualEndS();
                    break;
                }
            }
        }
        done.complete(new RunResult(ConfigReader.configName(emu.scheme()), ConfigReader.configName(emu.mode()), clientCount,
                List.copyOf(records), reason, last == null ? 0 : last.virtualEndS(),
                (System.nanoTime() - wallStartNs) / 1e9, audit.messages(), audit.rejectedMessages(), bytesMain, bytesFed,
                last == null ? null : last.valLoss(), timeToTarget, audit.receivedTypes(), clientFailures));
        return Behaviors.stopped();
    }

    private Behavior<Command> reject(Object m, String why) {
        audit.rejected();
        getContext().getLog().warn("coordinator rejected {}: {}", m.getClass().getSimpleName(), why);
        return this;
    }
}

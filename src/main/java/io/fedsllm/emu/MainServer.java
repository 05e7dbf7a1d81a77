package io.fedsllm.emu;

import io.fedsllm.data.E2eRecord;
import io.fedsllm.train.ClientTrainer;
import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.ServerTrainer;
import io.fedsllm.train.TrainContext;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The main server (SYSTEM_MODEL §1): the server segment (blocks ℓ+1..L and the head) with its LoRA, one model
 * trained on the activations of every client, in client-id order (never arrival order). It is the iteration
 * barrier: iteration i starts when every live participant finished backward of i−1 (max of arrivals), the server
 * steps when every activation of i is in (max of arrivals; under the deadline policy late ones are left out).
 * It never receives client-side LoRA weights.
 *
 * <p>Real mode: it holds a {@link ServerTrainer} (created at the first round holding every block, as the analytic
 * ledger does; used only on the compute dispatcher). Activations are checked on arrival (shape against the labels
 * and d-model, batch size b, finite values) and a bad one is rejected like any bad message; each iteration steps
 * once on the accepted clients' activations concatenated in client-id order and sends every client its slice of
 * the activation gradient. Blocks leaving for the clients are exported before the trainer is reconfigured; blocks
 * arriving from the global copy are adopted by the reconfiguration. Centralized: the server holds every shard and
 * draws each iteration's K·b samples as K mini-batches of b, one per shard, with the same streams as the clients
 * (a {@link ClientTrainer} at split 0 per shard embeds the tokens; it holds no LoRA).
 */
public final class MainServer extends AbstractBehavior<MainServer.Command> {

    public sealed interface Command extends CborSerializable
            permits Setup, Configure, Activations, BackwardDone, AdoptBlocks, ClientLost {}

    /** Once per run: the clients (index = client id) and the federated server. */
    public record Setup(List<ActorRef<Client.Command>> clients, ActorRef<FedServer.Command> fedServer,
            ActorRef<Coordinator.Command> coordinator) implements Command {}

    /**
     * The round's plan for the server.
     *
     * @param participants           live client ids, ascending
     * @param sequential             split learning: one client after another (client-id order)
     * @param localTraining          federated LoRA: no server iterations
     * @param centralizedBatches     centralized scheme: mini-batches per iteration (all data on the server); 0 otherwise
     * @param serverForwardPerBatchS server forward seconds for one client's mini-batch; backward is twice it (§3)
     * @param gradientDownloadS      T^G added to every gradient's arrival
     * @param deadlineS              deadline policy: activations later than iteration start + this are left out
     *                               (positive infinity = wait for all)
     */
    public record Configure(int round, int splitLayer, int rank, int localIterations, List<Integer> participants,
            boolean sequential, boolean localTraining, int centralizedBatches, double serverForwardPerBatchS,
            long activationBits, double gradientDownloadS, double deadlineS, double startS) implements Command, Arrival {
        /** The round starts on arrival. */
        @Override
        public double arrivalS() {
            return startS;
        }
    }

    /** One client's split-layer activations of one iteration (payload and labels null in analytic mode). */
    public record Activations(int round, int iteration, int client, long bits,
            @Carries(Carries.Content.ACTIVATIONS) byte[] payload, @Carries(Carries.Content.LABELS) int[][] labels,
            double arrivalS) implements Command, Arrival {}

    /** A client finished backward of an iteration at {@code arrivalS}. */
    public record BackwardDone(int round, int iteration, int client, double arrivalS) implements Command, Arrival {}

    /**
     * Blocks moving from the federated server's global copy to the server (the split moved down): the one message
     * that brings client-side LoRA to the main server, and it is the average, never a client's own upload.
     */
    public record AdoptBlocks(int round, List<Integer> blocks, @Carries(Carries.Content.GLOBAL_LORA) byte[] weights,
            double arrivalS)
            implements Command, Arrival {}

    /** The coordinator's death watch: stop waiting for this client. */
    public record ClientLost(int client) implements Command {}

    public static final String ROLE = "main-server";

    private final MessageAudit audit;
    private final VirtualClock clock = new VirtualClock();
    private final TreeSet<Integer> blocks = new TreeSet<>();
    private final int layers;

    // Real mode (null in analytic mode).
    private final TrainContext training;
    private final List<List<E2eRecord>> shards;   // centralized: every client's data
    private final Double measuredScale;            // compute-delay = measured: virtual s per wall s; null = model
    private ServerTrainer trainer;
    private LoraBlocks adopted;                    // blocks received from the global copy this round
    private final List<ClientTrainer> embedders = new ArrayList<>();  // centralized: one per shard, split 0
    private byte[][] payloads;                     // this iteration's activations by client id
    private int[][][] labels;
    private double lossSum;
    private int lossSteps;
    private Setup setup;
    private boolean[] lost;
    private boolean roundFinished = true;

    // The current round.
    private Configure round;
    private AdoptBlocks early;      // blocks sent for a round whose Configure has not arrived yet
    private boolean ready;
    private int[] order;          // clients stepping in this round's iterations, in id order (sl: one at a time)
    private int step;             // sequential index over iterations (sl: over clients × iterations)
    private double iterationStartS;
    private final IterationState it = new IterationState();
    private final Breakdown breakdown = new Breakdown();
    private long bytesMain;
    private int leftOut;

    /** Per-iteration bookkeeping indexed by client id (allocated once: no per-message O(K) work). */
    private static final class IterationState {
        double[] arrivalS;
        boolean[] arrived;
        boolean[] accepted;
        boolean[] expected;
        int expectedCount;
        int arrivedCount;
        int acceptedCount;
        int backwardCount;
        double backwardMaxS;
        boolean stepped;
        double gradientsSentS;
    }

    /** Per-round totals of the virtual breakdown; they sum to the round's iteration phase. */
    private static final class Breakdown {
        double t1S;
        double serverForwardS;
        double serverBackwardS;
        double t2S;
    }

    /** Analytic mode: sizes only. */
    public static Behavior<Command> create(int layers, MessageAudit audit) {
        return Behaviors.setup(ctx -> new MainServer(ctx, layers, audit, null, List.of(), null));
    }

    /**
     * Real mode (spawn on the compute dispatcher).
     *
     * @param shards every client's training records (used by the centralized scheme only)
     */
    public static Behavior<Command> create(MessageAudit audit, TrainContext training, List<List<E2eRecord>> shards) {
        return create(audit, training, shards, null);
    }

    /** Real mode; {@code measuredScale} non-null = compute delays measured (wall seconds × scale). */
    public static Behavior<Command> create(MessageAudit audit, TrainContext training, List<List<E2eRecord>> shards,
            Double measuredScale) {
        return Behaviors.setup(ctx -> new MainServer(ctx, training.shape().layers(), audit, training, List.copyOf(shards),
                measuredScale));
    }

    private MainServer(ActorContext<Command> ctx, int layers, MessageAudit audit, TrainContext training,
            List<List<E2eRecord>> shards, Double measuredScale) {
        super(ctx);
        this.audit = audit;
        this.layers = layers;
        this.training = training;
        this.shards = shards;
        this.measuredScale = measuredScale;
        if (training != null) {
            RealMode.prepareComputeThread();
        }
        // Before the first round the server holds the LoRA of every block; round 0 hands the client part over.
        blocks.addAll(Blocks.range(0, layers));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Command.class, Arrival::isInvalid, this::onInvalidArrival)
                .onMessage(Setup.class, this::onSetup)
                .onMessage(Configure.class, this::onConfigure)
                .onMessage(AdoptBlocks.class, this::onAdoptBlocks)
                .onMessage(Activations.class, this::onActivations)
                .onMessage(BackwardDone.class, this::onBackwardDone)
                .onMessage(ClientLost.class, this::onClientLost)
                .onSignal(PostStop.class, s -> closeTrainers())
                .build();
    }

    private Behavior<Command> closeTrainers() {
        if (trainer != null) {
            trainer.close();
        }
        embedders.forEach(ClientTrainer::close);
        return this;
    }

    private Behavior<Command> onInvalidArrival(Command m) {
        audit.record(ROLE, m);
        return reject(m, Arrival.why((Arrival) m));
    }

    private Behavior<Command> onSetup(Setup m) {
        audit.record(ROLE, m);
        if (setup != null) {
            return reject(m, "already set up");
        }
        setup = m;
        int k = m.clients().size();
        lost = new boolean[k];
        it.arrivalS = new double[k];
        it.arrived = new boolean[k];
        it.accepted = new boolean[k];
        it.expected = new boolean[k];
        payloads = new byte[k][];
        labels = new int[k][][];
        return this;
    }

    private Behavior<Command> onConfigure(Configure m) {
        audit.record(ROLE, m);
        if (setup == null || (round != null && m.round() <= round.round()) || (round != null && !roundFinished)) {
            return reject(m, "configure of round " + m.round() + " unexpected");
        }
        for (int c : m.participants()) {
            if (c < 0 || c >= lost.length) {
                return reject(m, "unknown client " + c);
            }
        }
        if (training != null && m.rank() < 1) {
            return reject(m, "rank " + m.rank() + " < 1");
        }
        if (m.splitLayer() < 0 || m.splitLayer() > layers) {
            return reject(m, "split " + m.splitLayer() + " outside 0.." + layers);
        }
        round = m;
        roundFinished = false;
        ready = false;
        adopted = null;
        clock.startAt(m.startS());
        bytesMain = 0;
        leftOut = 0;
        lossSum = 0;
        lossSteps = 0;
        breakdown.t1S = 0;
        breakdown.serverForwardS = 0;
        breakdown.serverBackwardS = 0;
        breakdown.t2S = 0;
        int clientBlocks = m.splitLayer();
        int held = blocks.isEmpty() ? layers : blocks.first();
        if (clientBlocks > held) {
            // The split moved up: the server's blocks [held, ℓ) go to the clients via the federated global copy.
            List<Integer> moving = Blocks.range(held, clientBlocks);
            blocks.removeAll(moving);
            byte[] weights = training == null ? null : trainer(m).exportBlocks(held, clientBlocks).toBytes();
            setup.fedServer().tell(new FedServer.ServerBlocks(m.round(), moving, weights, m.startS()));
        }
        if (early != null) {
            AdoptBlocks e = early;
            early = null;
            return adopt(e);
        }
        maybeReady();
        return this;
    }

    private Behavior<Command> onAdoptBlocks(AdoptBlocks m) {
        audit.record(ROLE, m);
        int next = round == null ? 0 : round.round() + 1;
        if (early == null && m.round() == next && (round == null || roundFinished)) {
            // Sent by the federated server before the next round's Configure reached us: apply it once configured.
            early = m;
            return this;
        }
        return adopt(m);
    }

    private Behavior<Command> adopt(AdoptBlocks m) {
        if (round == null || m.round() != round.round() || ready) {
            return reject(m, "blocks for round " + m.round() + " unexpected");
        }
        for (int b : m.blocks()) {
            if (blocks.contains(b) || b < round.splitLayer()) {
                return reject(m, "block " + b + " is already held or belongs to the clients at split " + round.splitLayer());
            }
        }
        if ((training != null) != (m.weights() != null)) {
            return reject(m, training != null ? "real mode needs the blocks' LoRA weights" : "analytic mode carries no weights");
        }
        if (training != null) {
            try {
                adopted = LoraBlocks.fromBytes(m.weights());
            } catch (IllegalArgumentException e) {
                return reject(m, "malformed LoRA of the adopted blocks: " + e.getMessage());
            }
        }
        blocks.addAll(m.blocks());
        maybeReady();
        return this;
    }

    /** Ready once the server holds exactly blocks ℓ..L−1; then the round's iterations start. */
    private void maybeReady() {
        int clientBlocks = round.splitLayer();
        boolean exact = blocks.size() == layers - clientBlocks && (blocks.isEmpty() || blocks.first() == clientBlocks);
        if (ready || !exact) {
            return;
        }
        ready = true;
        if (training != null) {
            // Blocks leaving were exported at Configure; blocks arriving were adopted from the global copy.
            trainer(round).reconfigure(round.splitLayer(), round.rank(), adopted);
            adopted = null;
        }
        setup.coordinator().tell(new Coordinator.ServerReady(round.round(), List.copyOf(blocks), round.startS()));
        if (round.localTraining()) {
            finishRound(round.startS());
            return;
        }
        if (round.centralizedBatches() > 0) {
            trainCentralized();
            return;
        }
        order = round.participants().stream().mapToInt(Integer::intValue).toArray();
        step = 0;
        startIteration(round.startS());
    }

    private void trainCentralized() {
        int batches = round.centralizedBatches();
        for (int i = 0; i < round.localIterations(); i++) {
            long t0 = System.nanoTime();
            if (training != null) {
                stepCentralized(i);
            }
            double forward = serverForwardS(batches * round.serverForwardPerBatchS(), t0);
            double backward = 2 * forward;
            clock.advance(forward + backward);
            breakdown.serverForwardS += forward;
            breakdown.serverBackwardS += backward;
        }
        finishRound(clock.now());
    }

    /** Real centralized iteration: one mini-batch of b per shard, one server step on all K·b sequences. */
    private void stepCentralized(int iteration) {
        int k = round.centralizedBatches();
        if (k != shards.size()) {
            throw new IllegalStateException("centralized: " + k + " mini-batches per iteration but " + shards.size() + " shards");
        }
        while (embedders.size() < k) {
            int c = embedders.size();
            embedders.add(ClientTrainer.create(training, c, shards.get(c), 0, round.rank(), training.seed()));
        }
        List<byte[]> acts = new ArrayList<>(k);
        List<int[][]> lab = new ArrayList<>(k);
        for (ClientTrainer e : embedders) {
            ClientTrainer.Forward f = e.forward(round.round(), iteration);
            acts.add(f.activations());
            lab.add(f.labels());
        }
        ServerTrainer.Step s = trainer(round).step(acts, lab);
        lossSum += s.loss();
        lossSteps++;
        for (int c = 0; c < k; c++) {
            embedders.get(c).backward(s.activationGradients().get(c)); // no LoRA at split 0: ends the step
        }
    }

    /**
     * The server forward delay of a step: the delay model's {@code modelS}, or (compute-delay = measured) a third of
     * the step's wall seconds since {@code startNs} times measured-scale (backward = 2 × forward, SYSTEM_MODEL §3).
     */
    private double serverForwardS(double modelS, long startNs) {
        return measuredScale == null ? modelS : (System.nanoTime() - startNs) / 1e9 * measuredScale / 3;
    }

    /** Real mode: the trainer, created at the first round holding every block (split 0) at the round's rank. */
    private ServerTrainer trainer(Configure m) {
        if (trainer == null) {
            trainer = ServerTrainer.create(training, 0, m.rank(), training.seed());
        }
        return trainer;
    }

    /** Iteration barrier passed at {@code startS}: tell the clients of this step to run forward. */
    private void startIteration(double startS) {
        iterationStartS = startS;
        it.arrivedCount = 0;
        it.acceptedCount = 0;
        it.backwardCount = 0;
        it.backwardMaxS = startS;
        it.stepped = false;
        it.expectedCount = 0;
        int iteration = localIteration();
        for (int c : stepClients()) {
            it.arrived[c] = false;
            it.accepted[c] = false;
            it.expected[c] = !lost[c];
            if (!lost[c]) {
                it.expectedCount++;
                setup.clients().get(c).tell(new Client.StartIteration(round.round(), iteration, startS));
            }
        }
        if (it.expectedCount == 0) {
            stepServer();
        }
    }

    private int localIteration() {
        return step % round.localIterations();
    }

    /** The clients of the current step: all participants, or (sl) the one whose turn it is. */
    private int[] stepClients() {
        return round.sequential() ? new int[] {order[step / round.localIterations()]} : order;
    }

    private int totalSteps() {
        return round.sequential() ? order.length * round.localIterations() : round.localIterations();
    }

    private Behavior<Command> onActivations(Activations m) {
        audit.record(ROLE, m);
        if (round == null || !ready || roundFinished || m.round() != round.round() || m.iteration() != localIteration()) {
            return reject(m, "activations of round " + m.round() + " iteration " + m.iteration() + " unexpected");
        }
        if (m.client() < 0 || m.client() >= lost.length || !it.expected[m.client()]) {
            return reject(m, "client " + m.client() + " is not expected in this iteration");
        }
        if (it.arrived[m.client()] || it.stepped) {
            return reject(m, "duplicate activations from client " + m.client());
        }
        if (m.bits() != round.activationBits()) {
            return reject(m, "activation size " + m.bits() + " bits, expected " + round.activationBits());
        }
        if (!(m.arrivalS() >= iterationStartS) || !Double.isFinite(m.arrivalS())) {
            return reject(m, "arrival " + m.arrivalS() + " s before the iteration start " + iterationStartS + " s");
        }
        if (training != null) {
            String bad = Payloads.checkActivations(m.payload(), m.labels(), training.batchSize(), training.shape());
            if (bad != null) {
                return reject(m, "client " + m.client() + ": " + bad);
            }
            payloads[m.client()] = m.payload();
            labels[m.client()] = m.labels();
        }
        it.arrived[m.client()] = true;
        it.arrivalS[m.client()] = m.arrivalS();
        it.arrivedCount++;
        bytesMain += m.bits() / 8;
        if (it.arrivedCount == it.expectedCount) {
            stepServer();
        }
        return this;
    }

    /** Every expected activation is in: step on the accepted ones in client-id order, send the gradients. */
    private void stepServer() {
        it.stepped = true;
        double deadline = iterationStartS + round.deadlineS();
        double barrier = iterationStartS;
        boolean anyLate = false;
        int accepted = 0;
        for (int c : stepClients()) {
            if (!it.arrived[c] || lost[c]) {
                continue;
            }
            if (it.arrivalS[c] <= deadline) {
                it.accepted[c] = true;
                accepted++;
                barrier = Math.max(barrier, it.arrivalS[c]);
            } else {
                anyLate = true;
                leftOut++;
            }
        }
        // Under the deadline policy the server waits until the deadline when someone is late, not longer.
        if (anyLate) {
            barrier = Math.max(barrier, deadline);
        }
        it.acceptedCount = accepted;
        double start = clock.startAt(barrier);
        long t0 = System.nanoTime();
        byte[][] gradients = training != null && accepted > 0 ? realStep() : null;
        double forward = serverForwardS(accepted * round.serverForwardPerBatchS(), t0);
        double backward = 2 * forward;
        clock.advance(forward);
        clock.advance(backward);
        breakdown.t1S += start - iterationStartS;
        breakdown.serverForwardS += forward;
        breakdown.serverBackwardS += backward;
        it.gradientsSentS = clock.now();
        int iteration = localIteration();
        for (int c : stepClients()) {
            if (!it.arrived[c] || lost[c]) {
                continue;
            }
            if (it.accepted[c]) {
                setup.clients().get(c).tell(new Client.Gradients(round.round(), iteration, true, round.activationBits(),
                        gradients == null ? null : gradients[c], it.gradientsSentS + round.gradientDownloadS()));
            } else {
                setup.clients().get(c).tell(new Client.Gradients(round.round(), iteration, false, 0, null, it.gradientsSentS));
            }
        }
        it.backwardMaxS = it.gradientsSentS;
        if (it.acceptedCount == 0) {
            nextIteration();
        }
    }

    /** One server step on the accepted clients' activations in client-id order; gradient slices by client id. */
    private byte[][] realStep() {
        List<Integer> ids = new ArrayList<>();
        List<byte[]> acts = new ArrayList<>();
        List<int[][]> lab = new ArrayList<>();
        for (int c : stepClients()) {
            if (it.accepted[c]) {
                ids.add(c);
                acts.add(payloads[c]);
                lab.add(labels[c]);
            }
        }
        ServerTrainer.Step s = trainer.step(acts, lab);
        lossSum += s.loss();
        lossSteps++;
        byte[][] out = new byte[payloads.length][];
        for (int i = 0; i < ids.size(); i++) {
            out[ids.get(i)] = s.activationGradients().get(i);
            payloads[ids.get(i)] = null;
            labels[ids.get(i)] = null;
        }
        return out;
    }

    private Behavior<Command> onBackwardDone(BackwardDone m) {
        audit.record(ROLE, m);
        if (round == null || roundFinished || m.round() != round.round() || m.iteration() != localIteration() || !it.stepped) {
            return reject(m, "backward of round " + m.round() + " iteration " + m.iteration() + " unexpected");
        }
        if (m.client() < 0 || m.client() >= lost.length || !it.accepted[m.client()]) {
            return reject(m, "client " + m.client() + " was not stepped in this iteration");
        }
        it.accepted[m.client()] = false;
        it.backwardCount++;
        it.backwardMaxS = Math.max(it.backwardMaxS, m.arrivalS());
        if (it.backwardCount == it.acceptedCount) {
            nextIteration();
        }
        return this;
    }

    /** Backward barrier passed (max of the accepted clients' backward ends): next step or end of local training. */
    private void nextIteration() {
        double barrier = it.backwardMaxS;
        breakdown.t2S += barrier - it.gradientsSentS;
        step++;
        if (step < totalSteps()) {
            if (round.sequential() && step % round.localIterations() == 0) {
                endLocalTraining(order[step / round.localIterations() - 1], barrier);
            }
            startIteration(barrier);
            return;
        }
        if (round.sequential()) {
            endLocalTraining(order[order.length - 1], barrier);
        } else {
            for (int c : order) {
                if (!lost[c]) {
                    endLocalTraining(c, barrier);
                }
            }
        }
        finishRound(barrier);
    }

    private void endLocalTraining(int client, double atS) {
        if (!lost[client]) {
            setup.clients().get(client).tell(new Client.EndLocalTraining(round.round(), atS));
        }
    }

    private void finishRound(double endS) {
        roundFinished = true;
        Double trainLoss = lossSteps > 0 ? lossSum / lossSteps : null;
        byte[] serverLora = training == null ? null : trainer.serverLora().toBytes();
        setup.coordinator().tell(new Coordinator.IterationsDone(round.round(), endS, breakdown.t1S,
                breakdown.serverForwardS, breakdown.serverBackwardS, breakdown.t2S, bytesMain, leftOut, trainLoss,
                serverLora));
    }

    private Behavior<Command> onClientLost(ClientLost m) {
        audit.record(ROLE, m);
        if (lost == null || m.client() < 0 || m.client() >= lost.length || lost[m.client()]) {
            return reject(m, "client " + m.client() + " unknown or already lost");
        }
        int c = m.client();
        lost[c] = true;
        if (round == null || roundFinished || !ready) {
            return this;
        }
        if (!it.stepped) {
            if (it.expected[c]) {
                it.expected[c] = false;
                it.expectedCount--;
                if (it.arrived[c]) {
                    it.arrived[c] = false;
                    it.arrivedCount--;
                }
                if (it.arrivedCount == it.expectedCount) {
                    stepServer();
                }
            }
        } else if (it.accepted[c]) {
            it.accepted[c] = false;
            it.acceptedCount--;
            if (it.backwardCount == it.acceptedCount) {
                nextIteration();
            }
        }
        return this;
    }

    private Behavior<Command> reject(Object m, String why) {
        audit.rejected();
        getContext().getLog().warn("main server rejected {}: {}", m.getClass().getSimpleName(), why);
        return this;
    }
}

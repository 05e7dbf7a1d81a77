package io.fedsllm.emu;

import io.fedsllm.train.FedAvg;
import io.fedsllm.train.LoraBlocks;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The federated server (SYSTEM_MODEL §1): a separate party that only ever receives client-side LoRA weights (and
 * the server's LoRA of blocks moving to the clients when the split moves up). It keeps the global copy of the
 * client-side LoRA, averages the uploads weighted by |D_k| / Σ|D_j| once every live participant has reported
 * (barrier = max of the upload arrivals), and broadcasts the global copy at the start of every round
 * (broadcast delay neglected, §1). Split learning: it relays each client's LoRA to the next client instead.
 *
 * <p>Real mode: the global copy holds the LoRA values ({@link LoraBlocks}); uploads are decoded and checked (blocks,
 * rank, size) on arrival, averaged with {@link FedAvg} in client-id order, and the copy is resized to the round's
 * rank at the round start (exact for a larger rank, truncated SVD for a smaller one, seeded by the experiment
 * seed). Blocks moving to the server leave the copy with their values; blocks arriving from the server join it.
 * It does no tensor compute beyond averaging, so it runs anywhere; it never sees activations, gradients or labels.
 */
public final class FedServer extends AbstractBehavior<FedServer.Command> {

    public sealed interface Command extends CborSerializable
            permits Setup, Configure, Upload, NoUpload, ServerBlocks, ClientLost {}

    /** Once per run: the clients (index = client id), the main server and the coordinator. */
    public record Setup(List<ActorRef<Client.Command>> clients, ActorRef<MainServer.Command> mainServer,
            ActorRef<Coordinator.Command> coordinator) implements Command {}

    /** The round: split ℓ (the global copy must hold blocks 0..ℓ−1), rank r, participants (ascending), Δ bits per upload. */
    public record Configure(int round, int splitLayer, int rank, List<Integer> participants, boolean sequential,
            long loraBits, double startS) implements Command, Arrival {
        /** The round starts on arrival. */
        @Override
        public double arrivalS() {
            return startS;
        }
    }

    /** Client k's LoRA of blocks 0..ℓ−1 (weights null in analytic mode), |D_k| samples. */
    public record Upload(int round, int client, int samples, List<Integer> blocks, long bits,
            @Carries(Carries.Content.CLIENT_LORA) byte[] weights, double arrivalS) implements Command, Arrival {}

    /** Client k trained nothing this round (left out of every iteration): no weights to average. */
    public record NoUpload(int round, int client, double arrivalS) implements Command, Arrival {}

    /** The main server's LoRA of blocks moving to the clients (the split moved up). */
    public record ServerBlocks(int round, List<Integer> blocks, @Carries(Carries.Content.SERVER_LORA) byte[] weights,
            double arrivalS)
            implements Command, Arrival {}

    /** The coordinator's death watch: stop waiting for this client. */
    public record ClientLost(int client) implements Command {}

    public static final String ROLE = "fed-server";

    private final MessageAudit audit;
    private final TreeSet<Integer> global = new TreeSet<>();   // the blocks of the global copy (the ledger)
    private final Long realSeed;                               // real mode: seed of rank resizing; null = analytic
    private LoraBlocks globalLora;                             // real mode: the values of the global copy
    private LoraBlocks[] uploads;                              // real mode: this round's uploads by client id
    private byte[] relayWeights;                               // real mode, split learning: the LoRA handed on next
    private long version;
    private Setup setup;
    private boolean[] lost;

    private Configure round;
    private ServerBlocks early;     // blocks sent for a round whose Configure has not arrived yet
    private boolean ready;
    private boolean aggregated = true;
    private boolean[] expected;
    private boolean[] reported;
    private boolean[] uploaded;
    private int[] samples;
    private double[] arrivalS;
    private int expectedCount;
    private int reportedCount;
    private long bytesFed;
    private int relayIndex;        // split learning: position in the participants of the upload awaited next
    private double relayAtS;

    /** Analytic mode: sizes only. */
    public static Behavior<Command> create(MessageAudit audit) {
        return Behaviors.setup(ctx -> new FedServer(ctx, audit, null));
    }

    /** Real mode: LoRA values travel; {@code seed} = the experiment seed (rank resizing). */
    public static Behavior<Command> create(MessageAudit audit, long seed) {
        return Behaviors.setup(ctx -> new FedServer(ctx, audit, seed));
    }

    private FedServer(ActorContext<Command> ctx, MessageAudit audit, Long realSeed) {
        super(ctx);
        this.audit = audit;
        this.realSeed = realSeed;
        if (realSeed != null) {
            RealMode.prepareComputeThread();
        }
    }

    private boolean real() {
        return realSeed != null;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Command.class, Arrival::isInvalid, this::onInvalidArrival)
                .onMessage(Setup.class, this::onSetup)
                .onMessage(Configure.class, this::onConfigure)
                .onMessage(ServerBlocks.class, this::onServerBlocks)
                .onMessage(Upload.class, this::onUpload)
                .onMessage(NoUpload.class, this::onNoUpload)
                .onMessage(ClientLost.class, this::onClientLost)
                .build();
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
        expected = new boolean[k];
        reported = new boolean[k];
        uploaded = new boolean[k];
        samples = new int[k];
        arrivalS = new double[k];
        uploads = new LoraBlocks[k];
        return this;
    }

    private Behavior<Command> onConfigure(Configure m) {
        audit.record(ROLE, m);
        if (setup == null || !aggregated || (round != null && m.round() <= round.round())) {
            return reject(m, "configure of round " + m.round() + " unexpected");
        }
        if (m.splitLayer() < 0 || m.rank() < 1) {
            return reject(m, "negative split " + m.splitLayer() + " or rank " + m.rank() + " < 1");
        }
        for (int c : m.participants()) {
            if (c < 0 || c >= lost.length) {
                return reject(m, "unknown client " + c);
            }
        }
        round = m;
        ready = false;
        aggregated = false;
        expectedCount = 0;
        reportedCount = 0;
        bytesFed = 0;
        relayIndex = 0;
        relayAtS = m.startS();
        java.util.Arrays.fill(expected, false);
        for (int c : m.participants()) {
            expected[c] = !lost[c];
            reported[c] = false;
            uploaded[c] = false;
            uploads[c] = null;
            if (expected[c]) {
                expectedCount++;
            }
        }
        if (real()) {
            globalLora = globalLora == null ? LoraBlocks.empty(m.rank())
                    : globalLora.rank() == m.rank() ? globalLora : globalLora.resized(m.rank(), realSeed);
        }
        if (global.size() > m.splitLayer()) {
            // The split moved down: blocks ℓ.. of the global copy go to the main server.
            List<Integer> moving = Blocks.range(m.splitLayer(), global.size());
            global.removeAll(moving);
            byte[] weights = null;
            if (real()) {
                weights = globalLora.select(m.splitLayer(), global.size() + moving.size()).toBytes();
                globalLora = globalLora.select(0, m.splitLayer());
            }
            setup.mainServer().tell(new MainServer.AdoptBlocks(m.round(), moving, weights, m.startS()));
        }
        if (early != null) {
            ServerBlocks e = early;
            early = null;
            return adoptServerBlocks(e);
        }
        maybeReady();
        return this;
    }

    private Behavior<Command> onServerBlocks(ServerBlocks m) {
        audit.record(ROLE, m);
        int next = round == null ? 0 : round.round() + 1;
        if (early == null && m.round() == next && aggregated) {
            // Sent by the main server before the next round's Configure reached us: apply it once configured.
            early = m;
            return this;
        }
        return adoptServerBlocks(m);
    }

    private Behavior<Command> adoptServerBlocks(ServerBlocks m) {
        if (round == null || m.round() != round.round() || ready) {
            return reject(m, "server blocks for round " + m.round() + " unexpected");
        }
        for (int b : m.blocks()) {
            if (global.contains(b) || b >= round.splitLayer()) {
                return reject(m, "block " + b + " is already in the global copy or beyond split " + round.splitLayer());
            }
        }
        if (real() != (m.weights() != null)) {
            return reject(m, real() ? "real mode needs the blocks' LoRA weights" : "analytic mode carries no weights");
        }
        if (real()) {
            try {
                LoraBlocks incoming = LoraBlocks.fromBytes(m.weights());
                globalLora = globalLora.merge(incoming.rank() == round.rank() ? incoming
                        : incoming.resized(round.rank(), realSeed));
            } catch (IllegalArgumentException e) {
                return reject(m, "server blocks do not fit the global copy: " + e.getMessage());
            }
        }
        global.addAll(m.blocks());
        maybeReady();
        return this;
    }

    /** Ready once the global copy holds exactly blocks 0..ℓ−1: broadcast it (sl: to the first client only). */
    private void maybeReady() {
        if (ready || !global.equals(new TreeSet<>(Blocks.range(0, round.splitLayer())))) {
            return;
        }
        ready = true;
        List<Integer> blocks = List.copyOf(global);
        setup.coordinator().tell(new Coordinator.FedReady(round.round(), blocks, version, round.startS()));
        byte[] weights = real() ? globalLora.toBytes() : null;
        if (round.sequential()) {
            relayWeights = weights;
            relayNext(blocks);
        } else {
            for (int c : round.participants()) {
                if (!lost[c]) {
                    setup.clients().get(c).tell(new Client.GlobalLora(round.round(), round.splitLayer(), blocks, version,
                            weights, round.startS()));
                }
            }
        }
        maybeAggregate();
    }

    /** Split learning: hand the latest LoRA to the next live client in id order. */
    private void relayNext(List<Integer> blocks) {
        List<Integer> p = round.participants();
        while (relayIndex < p.size() && lost[p.get(relayIndex)]) {
            relayIndex++;
        }
        if (relayIndex < p.size()) {
            setup.clients().get(p.get(relayIndex)).tell(new Client.GlobalLora(round.round(), round.splitLayer(), blocks,
                    version, relayWeights, relayAtS));
        }
    }

    private Behavior<Command> onUpload(Upload m) {
        audit.record(ROLE, m);
        String why = checkReport(m.round(), m.client());
        if (why != null) {
            return reject(m, why);
        }
        if (!m.blocks().equals(Blocks.range(0, round.splitLayer()))) {
            return reject(m, "uploaded blocks " + m.blocks() + " are not the client segment 0.." + (round.splitLayer() - 1));
        }
        if (m.bits() != round.loraBits()) {
            return reject(m, "LoRA size " + m.bits() + " bits, expected " + round.loraBits());
        }
        if (m.samples() < 1 || !Double.isFinite(m.arrivalS()) || m.arrivalS() < round.startS()) {
            return reject(m, "invalid sample count " + m.samples() + " or arrival " + m.arrivalS() + " s");
        }
        if (real() != (m.weights() != null)) {
            return reject(m, real() ? "real mode needs the LoRA weights" : "analytic mode carries no weights");
        }
        if (real()) {
            String bad = checkUpload(m);
            if (bad != null) {
                return reject(m, "client " + m.client() + ": " + bad);
            }
        }
        reported[m.client()] = true;
        uploaded[m.client()] = true;
        samples[m.client()] = m.samples();
        arrivalS[m.client()] = m.arrivalS();
        reportedCount++;
        bytesFed += m.bits() / 8;
        if (round.sequential()) {
            relayIndex++;
            relayAtS = m.arrivalS();
            version++;
            relayWeights = m.weights();
            relayNext(m.blocks());
        }
        maybeAggregate();
        return this;
    }

    private Behavior<Command> onNoUpload(NoUpload m) {
        audit.record(ROLE, m);
        String why = checkReport(m.round(), m.client());
        if (why != null) {
            return reject(m, why);
        }
        reported[m.client()] = true;
        reportedCount++;
        if (round.sequential()) {
            relayIndex++;
            relayNext(List.copyOf(global));
        }
        maybeAggregate();
        return this;
    }

    /** Real mode: decodes the upload into {@code uploads}; why it does not fit the global copy, or null. */
    private String checkUpload(Upload m) {
        LoraBlocks u;
        try {
            u = LoraBlocks.fromBytes(m.weights());
        } catch (IllegalArgumentException e) {
            return "malformed LoRA: " + e.getMessage();
        }
        if (u.rank() != round.rank() || !u.blocks().keySet().equals(globalLora.blocks().keySet())) {
            return "LoRA of blocks " + u.blockIndices() + " at rank " + u.rank() + ", expected blocks "
                    + globalLora.blockIndices() + " at rank " + round.rank();
        }
        if (u.bits() != m.bits()) {
            return "LoRA payload of " + u.bits() + " bits, declared " + m.bits();
        }
        for (var block : u.blocks().values()) {
            for (float[] w : block.values()) {
                for (float x : w) {
                    if (!Float.isFinite(x)) {
                        return "LoRA weight " + x + " is not finite";
                    }
                }
            }
        }
        uploads[m.client()] = u;
        return null;
    }

    /** Why a client's report is not acceptable now, or null. */
    private String checkReport(int r, int client) {
        if (round == null || r != round.round() || !ready || aggregated) {
            return "report for round " + r + " unexpected";
        }
        if (client < 0 || client >= lost.length || !expected[client]) {
            return "client " + client + " is not a participant of round " + r;
        }
        if (reported[client]) {
            return "duplicate report from client " + client;
        }
        if (round.sequential() && round.participants().get(relayIndex) != client) {
            return "client " + client + " reports out of turn";
        }
        return null;
    }

    /** Every live participant reported: |D_k|-weighted average (in client-id order), report to the coordinator. */
    private void maybeAggregate() {
        if (!ready || aggregated || reportedCount < expectedCount) {
            return;
        }
        aggregated = true;
        List<Integer> contributors = new ArrayList<>();
        long total = 0;
        double endS = round.startS();
        for (int c : round.participants()) {
            if (uploaded[c] && !lost[c]) {
                contributors.add(c);
                total += samples[c];
                endS = Math.max(endS, arrivalS[c]);
            }
        }
        List<Double> weights = new ArrayList<>(contributors.size());
        if (round.sequential()) {
            // Split learning has no averaging: the global copy is the last client's LoRA.
            for (int i = 0; i < contributors.size(); i++) {
                weights.add(i == contributors.size() - 1 ? 1.0 : 0.0);
            }
        } else {
            for (int c : contributors) {
                weights.add((double) samples[c] / total);
            }
            if (!contributors.isEmpty()) {
                version++;
            }
        }
        byte[] globalWeights = null;
        if (real()) {
            if (!contributors.isEmpty()) {
                List<LoraBlocks> in = new ArrayList<>();
                List<Integer> counts = new ArrayList<>();
                for (int c : contributors) {
                    in.add(uploads[c]);
                    counts.add(samples[c]);
                    uploads[c] = null;
                }
                // Split learning hands the last client's LoRA on; the other schemes average by |D_k|.
                globalLora = round.sequential() ? in.get(in.size() - 1) : FedAvg.average(in, counts);
            }
            globalWeights = globalLora.toBytes();
        }
        setup.coordinator().tell(new Coordinator.Aggregated(round.round(), endS, contributors, weights, bytesFed, version,
                globalWeights));
    }

    private Behavior<Command> onClientLost(ClientLost m) {
        audit.record(ROLE, m);
        if (lost == null || m.client() < 0 || m.client() >= lost.length || lost[m.client()]) {
            return reject(m, "client " + m.client() + " unknown or already lost");
        }
        int c = m.client();
        lost[c] = true;
        if (round != null && !aggregated && expected[c] && !reported[c]) {
            expectedCount--;
            if (round.sequential() && ready && relayIndex < round.participants().size()
                    && round.participants().get(relayIndex) == c) {
                relayIndex++;
                relayNext(List.copyOf(global));
            }
            maybeAggregate();
        }
        return this;
    }

    private Behavior<Command> reject(Object m, String why) {
        audit.rejected();
        getContext().getLog().warn("federated server rejected {}: {}", m.getClass().getSimpleName(), why);
        return this;
    }
}

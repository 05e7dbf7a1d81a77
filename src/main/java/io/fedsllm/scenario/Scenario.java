package io.fedsllm.scenario;

import com.typesafe.config.Config;
import io.fedsllm.config.Seeds;
import io.fedsllm.config.UserError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * A scripted fault and straggler experiment (docs/scenarios.md), parsed and checked against the run's
 * configuration before anything runs, immutable. Every query is a pure function of the position in the run
 * ({@link Position}: round, iteration, virtual time) and the seed, so the answers never depend on the order of
 * questions or on message interleaving, and a resumed run needs no scenario state beyond its position.
 *
 * <p>Effects that overlap combine: slow-client factors multiply, fade losses add (dB), drop probabilities combine
 * as independent losses (1 − Π(1 − p)), an outage on any event is an outage.
 */
public final class Scenario {
    private final Path file;
    private final String text;
    private final String description;
    private final StragglerPolicy policy;
    private final List<ScenarioEvent> events;
    private final List<Occurrence> occurrences;
    private final ScenarioContext context;

    /** The start of the run. */
    private static final Position START = Position.roundStart(0, 0);

    Scenario(Path file, String text, String description, StragglerPolicy policy, List<ScenarioEvent> events,
            ScenarioContext context) {
        this.file = file;
        this.text = text;
        this.description = description;
        this.policy = policy;
        this.events = List.copyOf(events);
        this.context = context;
        this.occurrences = occurrencesOf(this.events);
    }

    /** Reads and checks {@code file} against the configuration the run will use; a {@link UserError} names file and line. */
    public static Scenario load(Path file, Config config) {
        return load(file, ScenarioContext.from(config));
    }

    public static Scenario load(Path file, ScenarioContext context) {
        ScenarioParser.parse(file, context); // every check, with the file's own origin, before its text is kept
        try {
            return ScenarioParser.parse(java.nio.file.Files.readString(file), file, context);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read scenario file " + file, e);
        }
    }

    /**
     * The scenario of a run's configuration: the file {@code fedsllm.emu.scenario} names (read and checked now), or
     * {@link #none} when it is null.
     */
    public static Scenario of(Config config) {
        String key = "fedsllm.emu.scenario";
        if (!config.hasPathOrNull(key) || config.getIsNull(key)) {
            return none(ScenarioContext.from(config));
        }
        return load(Path.of(config.getString(key)), config);
    }

    /** A scenario from its text (as {@link #text()} gave it), e.g. sent by the coordinator to a node; named {@code file}. */
    public static Scenario parse(String text, Path file, Config config) {
        return ScenarioParser.parse(text, file, ScenarioContext.from(config));
    }

    /** The scenario's text (null for {@link #none}): what the nodes of a cluster and a resumed run read. */
    public String text() {
        return text;
    }

    /** No events and the configured straggler policy: what a run without {@code --scenario} queries. */
    public static Scenario none(ScenarioContext context) {
        return new Scenario(null, null, "", null, List.of(), context);
    }

    /** The file it was read from; null for {@link #none}. */
    public Path file() {
        return file;
    }

    public String description() {
        return description;
    }

    /** The events in file order. */
    public List<ScenarioEvent> events() {
        return events;
    }

    /** Everything the scenario makes happen, in trigger order (step clock before virtual clock, then file order). */
    public List<Occurrence> occurrences() {
        return occurrences;
    }

    /** The scenario's {@code stragglers} policy, else the configuration's ({@code emu.straggler-policy}). */
    public StragglerPolicy stragglerPolicy() {
        return policy != null ? policy : context.configured();
    }

    /** K + x under over-selection, else K: how many clients a round starts. */
    public int clientsStarted() {
        return context.clients() + (stragglerPolicy() instanceof StragglerPolicy.OverSelect o ? o.extraClients() : 0);
    }

    // ---- effects at a position ---------------------------------------------------------------------------------

    /** Factor on client {@code client}'s compute delays starting at {@code p}: the product of the slow-clients in force (1 if none). */
    public double computeFactor(int client, Position p) {
        double f = 1;
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.SlowClient s && covers(s.clients(), client, s.window(), p)) {
                f *= s.factor();
            }
        }
        return f;
    }

    /** Extra path loss on the client's link at {@code p}, dB: the sum of the fades in force (0 if none). */
    public double extraLossDb(int client, Link link, Position p) {
        double db = 0;
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.LinkFade f && f.links().contains(link) && covers(f.clients(), client, f.window(), p)) {
                db += f.lossDb();
            }
        }
        return db;
    }

    /** Whether the client's link has rate 0 at {@code p}. */
    public boolean outage(int client, Link link, Position p) {
        return outageEndS(client, link, p) > p.timeS();
    }

    /**
     * When an outage of the client's link that is in force at {@code p} ends, virtual s: {@code p.timeS()} when there is
     * none; the end of the latest outage window on the virtual clock (a transmission can wait for it); +∞ when an
     * outage on the step clock or {@code forever} is in force (its end is not a time: the message is not delivered in
     * this iteration).
     */
    public double outageEndS(int client, Link link, Position p) {
        double end = p.timeS();
        for (ScenarioEvent e : events) {
            Window w = e instanceof ScenarioEvent.LinkOutage o && o.links().contains(link)
                    && covers(o.clients(), client, o.window(), p) ? o.window()
                    : e instanceof ScenarioEvent.PartitionNode n && cuts(n.node(), link) && n.window().covers(p) ? n.window()
                    : null;
            if (w != null) {
                end = Math.max(end, w.end() instanceof Trigger.AtTime t ? t.timeS() : Double.POSITIVE_INFINITY);
            }
        }
        return end;
    }

    /**
     * Whether cutting {@code node} off takes {@code link} down: every client's link to the main server when it is the
     * main server, to the federated server when it is that, and both when it is the clients' node.
     */
    private static boolean cuts(Node node, Link link) {
        return node == Node.CLIENTS || (node == Node.MAIN_SERVER ? link == Link.MAIN : node == Node.FED_SERVER && link == Link.FED);
    }

    /** The chance that a message of the client on {@code link} sent at {@code p} is lost: 1 − Π(1 − p_e) over the drops in force. */
    public double dropProbability(int client, Link link, Position p) {
        double kept = 1;
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.DropMessages d && d.links().contains(link) && covers(d.clients(), client, d.window(), p)) {
                kept *= 1 - d.probability();
            }
        }
        return 1 - kept;
    }

    /**
     * Whether the message {@code kind} of client {@code client} (sent by it or to it) at {@code p} is lost. The draw
     * is u = the first uniform of the stream (seed, "scenario-drop-" + link + "-" + kind, client, round, iteration),
     * lost iff u < {@link #dropProbability}: the same message is lost in every run with the same seed, whoever asks
     * first and however often. Use iteration I ({@code system.local-iterations}) for the LoRA upload, 0 for the
     * broadcast at the round start.
     */
    public boolean dropped(int client, MessageKind kind, Position p) {
        double prob = dropProbability(client, kind.link(), p);
        if (prob == 0) {
            return false;
        }
        long stream = Seeds.derive(context.seed(), "scenario-drop-" + kind.link().configName() + "-" + kind.configName(),
                client, p.round(), p.iteration());
        return Seeds.uniformAt(stream, 0) < prob;
    }

    /** Whether {@code node} is cut off from the others at {@code p} (its links are then out: {@link #outageEndS}). */
    public boolean partitioned(Node node, Position p) {
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.PartitionNode n && n.node() == node && n.window().covers(p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the client is down at {@code p}: a crash of it has fired and it has not rejoined. */
    public boolean crashed(int client, Position p) {
        return crashOf(client, p) != null;
    }

    /** The crash that has the client down at {@code p}, or null. */
    public ScenarioEvent.CrashClient crashOf(int client, Position p) {
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.CrashClient c && contains(c.clients(), client) && c.trigger().reachedBy(p)
                    && (c.rejoin() == null || !c.rejoin().reachedBy(p))) {
                return c;
            }
        }
        return null;
    }

    /**
     * Whether the device belongs to the population at {@code p}: after its last leave/join at or before {@code p}
     * (present after a join, absent after a leave); before any, present unless its first event is a join.
     */
    public boolean present(int device, Position p) {
        ScenarioEvent.Membership first = null;
        ScenarioEvent.Membership last = null;
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.Membership m && contains(m.clients(), device)) {
                if (first == null || ORDER.compare(m.trigger(), first.trigger()) < 0) {
                    first = m;
                }
                if (m.trigger().reachedBy(p) && (last == null || ORDER.compare(last.trigger(), m.trigger()) < 0)) {
                    last = m;
                }
            }
        }
        if (last != null) {
            return last.join();
        }
        return first == null || !first.join();
    }

    /** Devices absent at the start of the run (their first membership event is a join), ascending. */
    public List<Integer> initiallyAbsent() {
        TreeSet<Integer> out = new TreeSet<>();
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.Membership m && m.join()) {
                for (int d : m.clients()) {
                    if (!present(d, START)) {
                        out.add(d);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    // ---- what fires ---------------------------------------------------------------------------------------------

    /** Occurrences whose trigger lies in [from, to), in trigger order: what the coordinator fires when moving on. */
    public List<Occurrence> firing(Position from, Position to) {
        List<Occurrence> out = new ArrayList<>();
        for (Occurrence o : occurrences) {
            if (o.at().within(from, to)) {
                out.add(o);
            }
        }
        return out;
    }

    /** Clients crashing at the start of {@code round} (crash-client at-round = round, no at-iteration), ascending. */
    public List<Integer> crashesAt(int round) {
        return clientsAt(round, Occurrence.Phase.FIRED, ScenarioEvent.Type.CRASH_CLIENT);
    }

    /** Clients rejoining at the start of {@code round} (crash at-round R with rejoin-after-rounds n: round R + n), ascending. */
    public List<Integer> rejoinsAt(int round) {
        return clientsAt(round, Occurrence.Phase.REJOINED, ScenarioEvent.Type.CRASH_CLIENT);
    }

    /** Devices leaving or joining at the start of {@code round}, in device order then file order. */
    public List<MembershipChange> membershipChanges(int round) {
        List<MembershipChange> out = new ArrayList<>();
        for (Occurrence o : atRoundStart(round)) {
            if (o.event() instanceof ScenarioEvent.Membership m) {
                for (int d : m.clients()) {
                    out.add(new MembershipChange(d, m.join(), m.line()));
                }
            }
        }
        out.sort(Comparator.comparingInt(MembershipChange::device));
        return out;
    }

    /** The servers crashing at the start of {@code round} (main server before federated server). */
    public List<Node> serverCrashesAt(int round) {
        List<Node> out = new ArrayList<>();
        for (Occurrence o : atRoundStart(round)) {
            if (o.event() instanceof ScenarioEvent.CrashServer c && !out.contains(c.node())) {
                out.add(c.node());
            }
        }
        Collections.sort(out);
        return out;
    }

    /**
     * The first crash of {@code node} whose trigger {@code p} has reached and that is not in {@code done} (the lines of
     * the crashes that already happened), or null. A server checks it at each of its own points (a round start, an
     * iteration start, an aggregation): a crash fires at the first point at or after its trigger, once.
     */
    public ScenarioEvent.CrashServer serverCrashDue(Node node, Position p, java.util.Set<Integer> done) {
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.CrashServer c && c.node() == node && !done.contains(c.line())
                    && c.trigger().reachedBy(p)) {
                return c;
            }
        }
        return null;
    }

    /** Whether any server crash is scripted (the coordinator then keeps the last round's state to restart from). */
    public boolean hasServerCrashes() {
        return events.stream().anyMatch(e -> e instanceof ScenarioEvent.CrashServer);
    }

    /** Whether any link fade is scripted (the clients then need their links' allocations, not only the rates). */
    public boolean hasFades() {
        return events.stream().anyMatch(e -> e instanceof ScenarioEvent.LinkFade);
    }

    /** No events at all (a run without {@code --scenario}, or an empty file). */
    public boolean isEmpty() {
        return events.isEmpty();
    }

    /**
     * Whether the client is out at {@code p} for a reason the scenario gives: crashed, or not present (left, or not
     * joined yet).
     */
    public boolean absent(int client, Position p) {
        return crashed(client, p) || !present(client, p);
    }

    /** Whether any effect of the scenario is in force for the client at {@code p} (for notes: who held a barrier). */
    public String effectsInForce(int client, Position p) {
        List<String> out = new ArrayList<>();
        double f = computeFactor(client, p);
        if (f != 1) {
            out.add("compute x" + f);
        }
        for (Link l : Link.values()) {
            double db = extraLossDb(client, l, p);
            if (db != 0) {
                out.add(l.configName() + " link fade " + db + " dB");
            }
            if (outage(client, l, p)) {
                out.add(l.configName() + " link outage");
            }
        }
        for (Node n : Node.values()) {
            if (partitioned(n, p)) {
                out.add(n.configName() + " partitioned");
            }
        }
        return String.join(", ", out);
    }

    /** One device leaving ({@code join} false) or arriving, from the event on {@code line}. */
    public record MembershipChange(int device, boolean join, int line) {}

    // ---- internals ------------------------------------------------------------------------------------------------

    /** Occurrences at the start of {@code round} on the step clock (iteration 0). */
    private List<Occurrence> atRoundStart(int round) {
        List<Occurrence> out = new ArrayList<>();
        for (Occurrence o : occurrences) {
            if (o.at() instanceof Trigger.AtStep s && s.round() == round && s.iteration() == 0) {
                out.add(o);
            }
        }
        return out;
    }

    private List<Integer> clientsAt(int round, Occurrence.Phase phase, ScenarioEvent.Type type) {
        TreeSet<Integer> out = new TreeSet<>();
        for (Occurrence o : atRoundStart(round)) {
            if (o.phase() == phase && o.event().type() == type) {
                out.addAll(o.clients());
            }
        }
        return List.copyOf(out);
    }

    private static boolean covers(List<Integer> clients, int client, Window w, Position p) {
        return contains(clients, client) && w.covers(p);
    }

    private static boolean contains(List<Integer> sorted, int id) {
        return Collections.binarySearch(sorted, id) >= 0;
    }

    /** Step triggers by (round, iteration), then time triggers by time. */
    private static final Comparator<Trigger> ORDER = (a, b) -> {
        if (a instanceof Trigger.AtStep x && b instanceof Trigger.AtStep y) {
            return x.round() != y.round() ? Integer.compare(x.round(), y.round()) : Integer.compare(x.iteration(), y.iteration());
        }
        if (a instanceof Trigger.AtTime x && b instanceof Trigger.AtTime y) {
            return Double.compare(x.timeS(), y.timeS());
        }
        return a instanceof Trigger.AtStep ? -1 : 1;
    };

    private static List<Occurrence> occurrencesOf(List<ScenarioEvent> events) {
        List<Occurrence> out = new ArrayList<>();
        for (ScenarioEvent e : events) {
            Window w = e.window();
            if (w == null) {
                out.add(new Occurrence(e.trigger(), Occurrence.Phase.FIRED, e, e.clients()));
            } else {
                out.add(new Occurrence(w.start(), Occurrence.Phase.STARTED, e, e.clients()));
                if (w.end() != null) {
                    out.add(new Occurrence(w.end(), Occurrence.Phase.ENDED, e, e.clients()));
                }
            }
            if (e instanceof ScenarioEvent.CrashClient c && c.rejoin() != null) {
                out.add(new Occurrence(c.rejoin(), Occurrence.Phase.REJOINED, e, e.clients()));
            }
        }
        // A stable sort: occurrences at the same point keep file order.
        out.sort(Comparator.comparing(Occurrence::at, ORDER));
        return List.copyOf(out);
    }
}

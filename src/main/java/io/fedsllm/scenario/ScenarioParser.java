package io.fedsllm.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a scenario file and checks all of it before anything runs (docs/scenarios.md): every problem is a
 * {@link UserError} "FILE:LINE: what is wrong; what is allowed", the line being that of the offending value (or of
 * the event, for a missing field).
 */
final class ScenarioParser {
    private static final Set<String> TOP = Set.of("description", "stragglers", "events");
    private static final List<String> TRIGGER = List.of("at-round", "at-iteration", "at-time-s");
    private static final List<String> DURATION = List.of("duration-s", "duration-rounds", "duration-iterations", "duration");
    private static final String FOREVER = "forever";

    private final Path file;
    private final String text;       // the file's content, when it was read already (or sent by the coordinator)
    private final ScenarioContext ctx;

    private ScenarioParser(Path file, String text, ScenarioContext ctx) {
        this.file = file;
        this.text = text;
        this.ctx = ctx;
    }

    static Scenario parse(Path file, ScenarioContext ctx) {
        return new ScenarioParser(file, null, ctx).parse();
    }

    /** A scenario from its text; messages name {@code file} as where it came from. */
    static Scenario parse(String text, Path file, ScenarioContext ctx) {
        return new ScenarioParser(file, text, ctx).parse();
    }

    private Scenario parse() {
        ConfigObject root = read().root();
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(root).entrySet()) {
            if (!TOP.contains(e.getKey())) {
                throw error(e.getValue().origin(), "unknown field '" + e.getKey() + "'; a scenario's fields are "
                        + new TreeSet<>(TOP));
            }
        }
        String description = "";
        if (root.containsKey("description")) {
            description = string(root.get("description"), "description");
        }
        StragglerPolicy policy = root.containsKey("stragglers") ? stragglers(root.get("stragglers")) : null;
        ConfigValue eventsValue = root.get("events");
        if (eventsValue == null) {
            throw error(root.origin(), "missing field 'events': a list of events, e.g. events = [ { type = slow-client, "
                    + "client = 0, at-round = 1, duration-rounds = 2, factor = 3 } ] (may be empty: [])");
        }
        if (eventsValue.valueType() != ConfigValueType.LIST) {
            throw error(eventsValue.origin(), "events = " + render(eventsValue) + ": expected a list of events [ {...}, ... ]");
        }
        List<ScenarioEvent> events = new ArrayList<>();
        ConfigList list = (ConfigList) eventsValue;
        for (int i = 0; i < list.size(); i++) {
            events.add(new EventReader(i, list.get(i)).read());
        }
        checkMembership(events);
        checkCrashes(events);
        return new Scenario(file, text, description, policy, events, ctx);
    }

    /** Parses and resolves the file; HOCON syntax errors carry the parser's line. */
    private Config read() {
        if (text == null && !Files.isRegularFile(file)) {
            throw new UserError("scenario file " + file + " does not exist or is not a regular file");
        }
        try {
            return text != null ? ConfigFactory.parseString(text, ConfigParseOptions.defaults()
                    .setOriginDescription(file.toString()).setSyntax(ConfigSyntax.CONF)).resolve()
                    : ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF)).resolve();
        } catch (ConfigException e) {
            ConfigOrigin o = e.origin();
            String detail = e.getMessage();
            String prefix = o == null ? null : o.description() + ": ";
            if (prefix != null && detail.startsWith(prefix)) {
                detail = detail.substring(prefix.length());
            }
            int line = o == null ? -1 : o.lineNumber();
            throw new UserError(file + ":" + (line > 0 ? line : 1) + ": malformed HOCON: " + detail, e);
        }
    }

    private StragglerPolicy stragglers(ConfigValue v) {
        ConfigObject o = object(v, "stragglers", "an object { policy = wait-all | deadline | over-select, ... }");
        Set<String> allowed = new TreeSet<>(Set.of("policy"));
        String policy = string(required(o, "policy", "stragglers", "wait-all, deadline or over-select"), "policy");
        StragglerPolicy p;
        switch (policy) {
            case "wait-all" -> p = new StragglerPolicy.WaitAll();
            case "deadline" -> {
                allowed.add("deadline-factor");
                ConfigValue f = required(o, "deadline-factor", "the deadline policy",
                        "the iteration deadline as a multiple of the plan's T1, > 0");
                double factor = number(f, "deadline-factor");
                if (!(factor > 0)) {
                    throw error(f.origin(), "deadline-factor = " + render(f) + ": expected a number > 0");
                }
                p = new StragglerPolicy.Deadline(factor);
            }
            case "over-select" -> {
                allowed.add("extra-clients");
                ConfigValue x = required(o, "extra-clients", "the over-select policy",
                        "how many clients beyond system.clients start each round, >= 1");
                int extra = wholeNumber(x, "extra-clients");
                int started = ctx.clients() + extra;
                if (extra < 1 || started > ctx.devices() || started > ctx.subchannels()) {
                    throw error(x.origin(), "extra-clients = " + render(x) + ": expected 1.."
                            + Math.min(ctx.devices(), ctx.subchannels()) + " minus system.clients = " + ctx.clients()
                            + " (the " + started + " clients started need as many devices (population.devices = "
                            + ctx.devices() + ") and a subchannel each (smaller link: " + ctx.subchannels() + "))");
                }
                p = new StragglerPolicy.OverSelect(extra);
            }
            default -> throw error(o.get("policy").origin(), "policy = " + render(o.get("policy"))
                    + ": unknown straggler policy; expected one of [wait-all, deadline, over-select]");
        }
        extraFields(o, allowed, "stragglers { policy = " + policy + " }");
        if (!(p instanceof StragglerPolicy.WaitAll) && ctx.scheme() != EmuSettings.Scheme.SFL) {
            throw error(o.get("policy").origin(), "policy = " + policy + " applies to fedsllm.emu.scheme = sfl only "
                    + "(clients racing to the main server), but the scheme is "
                    + ctx.scheme().name().toLowerCase(java.util.Locale.ROOT) + ": use wait-all, or scheme sfl");
        }
        return p;
    }

    /** One element of {@code events}. */
    private final class EventReader {
        private final int index;
        private final ConfigValue value;
        private ConfigObject o;
        private String typeName = "?";
        private final Set<String> allowed = new LinkedHashSet<>(List.of("type"));

        EventReader(int index, ConfigValue value) {
            this.index = index;
            this.value = value;
        }

        ScenarioEvent read() {
            if (value.valueType() != ConfigValueType.OBJECT) {
                throw fail(value.origin(), render(value) + " is not an event; expected an object { type = ..., ... }");
            }
            o = (ConfigObject) value;
            ConfigValue t = o.get("type");
            if (t == null) {
                throw fail(o.origin(), "missing field 'type'; expected one of " + typeNames());
            }
            typeName = string(t, "type");
            ScenarioEvent.Type type = Arrays.stream(ScenarioEvent.Type.values())
                    .filter(x -> x.configName().equals(typeName)).findFirst()
                    .orElseThrow(() -> fail(t.origin(), "unknown event type '" + typeName + "'; expected one of " + typeNames()));
            ScenarioEvent e = switch (type) {
                case SLOW_CLIENT -> {
                    List<Integer> clients = clients();
                    Window w = window();
                    yield new ScenarioEvent.SlowClient(line(), clients, w, positive("factor", "the compute slow-down"));
                }
                case LINK_FADE -> {
                    List<Integer> clients = clients();
                    Set<Link> links = links();
                    Window w = window();
                    yield new ScenarioEvent.LinkFade(line(), clients, links, w, positive("loss-db", "the extra path loss in dB"));
                }
                case LINK_OUTAGE -> new ScenarioEvent.LinkOutage(line(), clients(), links(), window());
                case DROP_MESSAGES -> {
                    List<Integer> clients = clients();
                    Set<Link> links = links();
                    Window w = window();
                    yield new ScenarioEvent.DropMessages(line(), clients, links, w, probability());
                }
                case CRASH_CLIENT -> crash(clients(), trigger());
                case CRASH_MAIN_SERVER -> new ScenarioEvent.CrashServer(line(), Node.MAIN_SERVER, trigger());
                case CRASH_FED_SERVER -> new ScenarioEvent.CrashServer(line(), Node.FED_SERVER, trigger());
                case PARTITION_NODE -> new ScenarioEvent.PartitionNode(line(), node(), window());
                case LEAVE -> new ScenarioEvent.Membership(line(), clients(), trigger(), false);
                case JOIN -> new ScenarioEvent.Membership(line(), clients(), trigger(), true);
            };
            for (Map.Entry<String, ConfigValue> f : new TreeMap<>(o).entrySet()) {
                if (!allowed.contains(f.getKey())) {
                    throw fail(f.getValue().origin(), "'" + f.getKey() + "' is not a field of " + typeName + "; its fields are "
                            + allowed);
                }
            }
            return e;
        }

        private int line() {
            return o.origin().lineNumber();
        }

        private UserError fail(ConfigOrigin origin, String why) {
            return error(origin, "event " + (index + 1) + " (" + typeName + "): " + why);
        }

        private ConfigValue need(String field, String what) {
            allowed.add(field);
            ConfigValue v = o.get(field);
            if (v == null) {
                throw fail(o.origin(), "missing field '" + field + "' (" + what + ")");
            }
            return v;
        }

        private double positive(String field, String what) {
            ConfigValue v = need(field, what + ", > 0");
            double x = number(v, field);
            if (!(x > 0)) {
                throw fail(v.origin(), field + " = " + render(v) + ": expected " + what + " > 0");
            }
            return x;
        }

        private double probability() {
            ConfigValue v = need("probability", "the chance that each message is lost, in (0, 1]");
            double p = number(v, "probability");
            if (!(p > 0 && p <= 1)) {
                throw fail(v.origin(), "probability = " + render(v) + ": expected a probability in (0, 1]");
            }
            return p;
        }

        /** {@code client = k} or {@code clients = [...]}: device ids 0..N−1, distinct, ascending in the result. */
        private List<Integer> clients() {
            allowed.add("client");
            allowed.add("clients");
            ConfigValue one = o.get("client");
            ConfigValue many = o.get("clients");
            if (one != null && many != null) {
                throw fail(many.origin(), "both 'client' and 'clients' are given; give one of them");
            }
            if (one == null && many == null) {
                throw fail(o.origin(), "missing field 'client' (a client id) or 'clients' (a list of client ids)");
            }
            TreeSet<Integer> ids = new TreeSet<>();
            if (one != null) {
                ids.add(clientId(one, wholeNumberOf(one, "client")));
            } else {
                if (many.valueType() != ConfigValueType.LIST || ((ConfigList) many).isEmpty()) {
                    throw fail(many.origin(), "clients = " + render(many) + ": expected a non-empty list of client ids");
                }
                for (ConfigValue c : (ConfigList) many) {
                    if (!ids.add(clientId(c, wholeNumberOf(c, "clients")))) {
                        throw fail(c.origin(), "client " + render(c) + " is listed twice in clients");
                    }
                }
            }
            return List.copyOf(ids);
        }

        private int clientId(ConfigValue v, int id) {
            if (id < 0 || id >= ctx.devices()) {
                throw fail(v.origin(), "client " + id + " out of range: the population has " + ctx.devices()
                        + " devices (ids 0.." + (ctx.devices() - 1) + "; population.devices, default system.clients)");
            }
            return id;
        }

        private Set<Link> links() {
            ConfigValue v = need("links", "a list of main and/or fed");
            if (v.valueType() != ConfigValueType.LIST || ((ConfigList) v).isEmpty()) {
                throw fail(v.origin(), "links = " + render(v) + ": expected a non-empty list of main and/or fed, e.g. [main, fed]");
            }
            EnumSet<Link> links = EnumSet.noneOf(Link.class);
            for (ConfigValue l : (ConfigList) v) {
                String name = l.valueType() == ConfigValueType.STRING ? (String) l.unwrapped() : render(l);
                Link link = Arrays.stream(Link.values()).filter(x -> x.configName().equals(name)).findFirst()
                        .orElseThrow(() -> fail(l.origin(), "link '" + name + "': expected main or fed"));
                if (!links.add(link)) {
                    throw fail(l.origin(), "link " + name + " is listed twice in links");
                }
            }
            return links;
        }

        private Node node() {
            ConfigValue v = need("node", "the node to cut off: main-server, fed-server or clients");
            String name = string(v, "node");
            if (name.equals("coordinator")) {
                throw fail(v.origin(), "node = coordinator: the coordinator runs the experiment and is not a party of the "
                        + "modelled system, so cutting it off is not modelled; expected one of [main-server, fed-server, clients]");
            }
            return Arrays.stream(Node.values()).filter(n -> n.configName().equals(name)).findFirst()
                    .orElseThrow(() -> fail(v.origin(), "node = " + render(v)
                            + ": expected one of [main-server, fed-server, clients]"));
        }

        /** Exactly one of at-round (with an optional at-iteration) and at-time-s. */
        private Trigger trigger() {
            allowed.addAll(TRIGGER);
            ConfigValue round = o.get("at-round");
            ConfigValue iteration = o.get("at-iteration");
            ConfigValue time = o.get("at-time-s");
            if (round != null && time != null) {
                throw fail(time.origin(), "both at-round and at-time-s are given; an event triggers at a round "
                        + "(and iteration) or at a virtual time, not both");
            }
            if (round == null && time == null) {
                throw fail(o.origin(), "missing trigger: give at-round (0-based global round, with an optional "
                        + "at-iteration) or at-time-s (virtual seconds)");
            }
            if (time != null) {
                if (iteration != null) {
                    throw fail(iteration.origin(), "at-iteration needs at-round, not at-time-s");
                }
                double t = number(time, "at-time-s");
                if (t < 0) {
                    throw fail(time.origin(), "at-time-s = " + render(time) + ": expected virtual seconds >= 0");
                }
                return new Trigger.AtTime(t);
            }
            int r = wholeNumberOf(round, "at-round");
            if (r < 0 || r >= ctx.rounds()) {
                throw fail(round.origin(), "at-round = " + r + (r < 0 ? " is negative" : " is after the last round "
                        + (ctx.rounds() - 1)) + "; expected a round in 0.." + (ctx.rounds() - 1) + " (emu.rounds = "
                        + ctx.rounds() + ")");
            }
            int i = 0;
            if (iteration != null) {
                i = wholeNumberOf(iteration, "at-iteration");
                if (i < 0 || i >= ctx.localIterations()) {
                    throw fail(iteration.origin(), "at-iteration = " + i + ": expected a local iteration in 0.."
                            + (ctx.localIterations() - 1) + " (system.local-iterations = " + ctx.localIterations() + ")");
                }
            }
            return new Trigger.AtStep(r, i);
        }

        /** The trigger and exactly one duration, on the trigger's clock. */
        private Window window() {
            Trigger start = trigger();
            allowed.addAll(DURATION);
            List<String> given = DURATION.stream().filter(o::containsKey).toList();
            if (given.size() != 1) {
                // The line of the last duration written (the one too many), else of the event.
                ConfigOrigin at = given.stream().map(k -> o.get(k).origin())
                        .max(java.util.Comparator.comparingInt(ConfigOrigin::lineNumber)).orElse(o.origin());
                throw fail(at, (given.isEmpty() ? "missing duration" : "more than one duration " + given)
                        + ": give exactly one of duration-s (virtual seconds, with at-time-s), duration-rounds or "
                        + "duration-iterations (with at-round), or duration = forever");
            }
            String key = given.get(0);
            ConfigValue v = o.get(key);
            if (key.equals("duration")) {
                if (v.valueType() != ConfigValueType.STRING || !FOREVER.equals(v.unwrapped())) {
                    throw fail(v.origin(), "duration = " + render(v) + ": expected forever (or use duration-s, "
                            + "duration-rounds, duration-iterations)");
                }
                return new Window(start, null, FOREVER, null);
            }
            boolean seconds = key.equals("duration-s");
            double amount = seconds ? number(v, key) : wholeNumberOf(v, key);
            if (amount < 0) {
                throw fail(v.origin(), key + " = " + render(v) + " is a negative duration; expected > 0");
            }
            if (amount == 0) {
                throw fail(v.origin(), key + " = " + render(v) + ": expected a duration > 0");
            }
            if (seconds != start instanceof Trigger.AtTime) {
                throw fail(v.origin(), key + " is measured on the " + (seconds ? "virtual" : "round/iteration")
                        + " clock but the event triggers on the " + (seconds ? "round/iteration" : "virtual")
                        + " clock; a duration is measured on its trigger's clock: use "
                        + (seconds ? "duration-rounds or duration-iterations with at-round" : "duration-s with at-time-s"));
            }
            if (start instanceof Trigger.AtTime t) {
                return new Window(start, new Trigger.AtTime(t.timeS() + amount), "s", amount);
            }
            Trigger.AtStep s = (Trigger.AtStep) start;
            int n = (int) amount;
            if (key.equals("duration-rounds")) {
                return new Window(start, new Trigger.AtStep(s.round() + n, s.iteration()), "rounds", amount);
            }
            long end = (long) s.round() * ctx.localIterations() + s.iteration() + n;
            return new Window(start, new Trigger.AtStep((int) (end / ctx.localIterations()),
                    (int) (end % ctx.localIterations())), "iterations", amount);
        }

        /** crash-client: optional rejoin-after-rounds (with at-round) or rejoin-after-s (with at-time-s). */
        private ScenarioEvent crash(List<Integer> clients, Trigger trigger) {
            allowed.add("rejoin-after-rounds");
            allowed.add("rejoin-after-s");
            ConfigValue rounds = o.get("rejoin-after-rounds");
            ConfigValue seconds = o.get("rejoin-after-s");
            if (rounds != null && seconds != null) {
                throw fail(seconds.origin(), "both rejoin-after-rounds and rejoin-after-s are given; give one");
            }
            if (rounds == null && seconds == null) {
                return new ScenarioEvent.CrashClient(line(), clients, trigger, null, null, null);
            }
            ConfigValue v = rounds != null ? rounds : seconds;
            String key = rounds != null ? "rejoin-after-rounds" : "rejoin-after-s";
            double after = rounds != null ? wholeNumberOf(v, key) : number(v, key);
            if (!(after > 0)) {
                throw fail(v.origin(), key + " = " + render(v) + (after < 0 ? " is a negative duration" : "")
                        + "; expected > 0");
            }
            if (trigger instanceof Trigger.AtStep s) {
                if (rounds == null) {
                    throw fail(v.origin(), "rejoin-after-s is measured on the virtual clock but the crash triggers at "
                            + "a round; use rejoin-after-rounds (the clients rejoin at the start of round at-round + n)");
                }
                return new ScenarioEvent.CrashClient(line(), clients, trigger,
                        new Trigger.AtStep(s.round() + (int) after, 0), "rounds", after);
            }
            if (seconds == null) {
                throw fail(v.origin(), "rejoin-after-rounds is measured on the round clock but the crash triggers at "
                        + "a virtual time; use rejoin-after-s");
            }
            return new ScenarioEvent.CrashClient(line(), clients, trigger,
                    new Trigger.AtTime(((Trigger.AtTime) trigger).timeS() + after), "s", after);
        }

        private int wholeNumberOf(ConfigValue v, String field) {
            try {
                return wholeNumber(v, field);
            } catch (UserError e) {
                throw fail(v.origin(), field + " = " + render(v) + ": expected a whole number");
            }
        }
    }

    /** Per device: leave and join alternate, on one clock; a device whose first event is a join starts absent. */
    private void checkMembership(List<ScenarioEvent> events) {
        for (Map.Entry<Integer, List<ScenarioEvent.Membership>> e
                : byClient(events, ScenarioEvent.Membership.class, "leave and join").entrySet()) {
            List<ScenarioEvent.Membership> ms = e.getValue();
            for (int i = 1; i < ms.size(); i++) {
                ScenarioEvent.Membership prev = ms.get(i - 1);
                ScenarioEvent.Membership cur = ms.get(i);
                if (prev.join() == cur.join() || order(prev.trigger(), cur.trigger()) == 0) {
                    throw new UserError(file + ":" + cur.line() + ": device " + e.getKey() + " "
                            + (cur.join() ? "joins" : "leaves") + " " + where(cur.trigger()) + " but "
                            + (prev.join() ? "joined" : "left") + " " + where(prev.trigger()) + " (line " + prev.line()
                            + "); a device's leave and join events must alternate");
                }
            }
        }
    }

    /** Per client: crash windows [crash, rejoin) do not overlap, on one clock. */
    private void checkCrashes(List<ScenarioEvent> events) {
        for (Map.Entry<Integer, List<ScenarioEvent.CrashClient>> e
                : byClient(events, ScenarioEvent.CrashClient.class, "crash-client").entrySet()) {
            List<ScenarioEvent.CrashClient> cs = e.getValue();
            for (int i = 1; i < cs.size(); i++) {
                ScenarioEvent.CrashClient prev = cs.get(i - 1);
                ScenarioEvent.CrashClient cur = cs.get(i);
                if (prev.rejoin() == null || order(cur.trigger(), prev.rejoin()) < 0) {
                    throw new UserError(file + ":" + cur.line() + ": client " + e.getKey() + " crashes "
                            + where(cur.trigger()) + " while still down from its crash " + where(prev.trigger())
                            + " (line " + prev.line() + (prev.rejoin() == null ? ", no rejoin" : ", rejoins "
                            + where(prev.rejoin())) + "); a client's crashes must not overlap");
                }
            }
        }
    }

    /** The events of one kind per client (ascending), each client's in trigger order, all on one clock. */
    private <E extends ScenarioEvent> TreeMap<Integer, List<E>> byClient(List<ScenarioEvent> events, Class<E> kind,
            String what) {
        TreeMap<Integer, List<E>> out = new TreeMap<>();
        for (ScenarioEvent e : events) {
            if (kind.isInstance(e)) {
                for (int d : e.clients()) {
                    out.computeIfAbsent(d, k -> new ArrayList<>()).add(kind.cast(e));
                }
            }
        }
        out.replaceAll((id, list) -> sortedOnOneClock(list, what, id));
        return out;
    }

    /** The events in trigger order; all on one clock, else an error naming the first that is not. */
    private <E extends ScenarioEvent> List<E> sortedOnOneClock(List<E> events, String what, int id) {
        List<E> sorted = new ArrayList<>(events);
        Class<?> clock = sorted.get(0).trigger().getClass();
        for (E e : sorted) {
            if (e.trigger().getClass() != clock) {
                throw new UserError(file + ":" + e.line() + ": the " + what + " events of client " + id
                        + " mix at-round and at-time-s triggers (see line " + sorted.get(0).line()
                        + "); use one clock for them");
            }
        }
        sorted.sort((a, b) -> order(a.trigger(), b.trigger()));
        return sorted;
    }

    private static int order(Trigger a, Trigger b) {
        if (a instanceof Trigger.AtTime x && b instanceof Trigger.AtTime y) {
            return Double.compare(x.timeS(), y.timeS());
        }
        Trigger.AtStep x = (Trigger.AtStep) a;
        Trigger.AtStep y = (Trigger.AtStep) b;
        return x.round() != y.round() ? Integer.compare(x.round(), y.round()) : Integer.compare(x.iteration(), y.iteration());
    }

    private static String where(Trigger t) {
        if (t instanceof Trigger.AtTime x) {
            return "at " + x.timeS() + " s";
        }
        Trigger.AtStep s = (Trigger.AtStep) t;
        return "at round " + s.round() + (s.iteration() == 0 ? "" : " iteration " + s.iteration());
    }

    // ---- typed values ------------------------------------------------------------------------------------------

    private UserError error(ConfigOrigin origin, String why) {
        int line = origin == null ? -1 : origin.lineNumber();
        return new UserError(file + ":" + (line > 0 ? line : 1) + ": " + why);
    }

    private ConfigObject object(ConfigValue v, String field, String expected) {
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw error(v.origin(), field + " = " + render(v) + ": expected " + expected);
        }
        return (ConfigObject) v;
    }

    private ConfigValue required(ConfigObject o, String field, String of, String what) {
        ConfigValue v = o.get(field);
        if (v == null) {
            throw error(o.origin(), "missing field '" + field + "' of " + of + " (" + what + ")");
        }
        return v;
    }

    private void extraFields(ConfigObject o, Set<String> allowed, String of) {
        for (Map.Entry<String, ConfigValue> f : new TreeMap<>(o).entrySet()) {
            if (!allowed.contains(f.getKey())) {
                throw error(f.getValue().origin(), "'" + f.getKey() + "' is not a field of " + of + "; its fields are "
                        + allowed);
            }
        }
    }

    private String string(ConfigValue v, String field) {
        if (v.valueType() != ConfigValueType.STRING) {
            throw error(v.origin(), field + " = " + render(v) + ": expected a string");
        }
        return (String) v.unwrapped();
    }

    private double number(ConfigValue v, String field) {
        if (v.valueType() != ConfigValueType.NUMBER || !Double.isFinite(((Number) v.unwrapped()).doubleValue())) {
            throw error(v.origin(), field + " = " + render(v) + ": expected a number");
        }
        return ((Number) v.unwrapped()).doubleValue();
    }

    private int wholeNumber(ConfigValue v, String field) {
        if (v.valueType() == ConfigValueType.NUMBER) {
            Object n = v.unwrapped();
            if ((n instanceof Integer || n instanceof Long) && ((Number) n).longValue() == ((Number) n).intValue()) {
                return ((Number) n).intValue();
            }
        }
        throw error(v.origin(), field + " = " + render(v) + ": expected a whole number");
    }

    private static String render(ConfigValue v) {
        return v.render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    private static List<String> typeNames() {
        return Arrays.stream(ScenarioEvent.Type.values()).map(ScenarioEvent.Type::configName).toList();
    }
}

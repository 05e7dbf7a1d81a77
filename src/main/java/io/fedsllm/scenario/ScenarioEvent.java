package io.fedsllm.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One event of a scenario file, validated; {@code line} is its line in the file. Client ids are device ids of
 * the population (0..N−1; N = K without a population), ascending. {@link #describe()} gives the fields of its
 * {@code events.jsonl} line.
 */
public sealed interface ScenarioEvent {

    /** The event types, as spelled in the file ({@code type = slow-client}). */
    enum Type {
        SLOW_CLIENT("slow-client"), LINK_FADE("link-fade"), LINK_OUTAGE("link-outage"), CRASH_CLIENT("crash-client"),
        CRASH_MAIN_SERVER("crash-main-server"), CRASH_FED_SERVER("crash-fed-server"), DROP_MESSAGES("drop-messages"),
        PARTITION_NODE("partition-node"), LEAVE("leave"), JOIN("join");

        private final String name;

        Type(String name) {
            this.name = name;
        }

        public String configName() {
            return name;
        }
    }

    /** Line of the event in its file (1-based). */
    int line();

    Type type();

    /** The clients (devices) it concerns, ascending; empty for node events. */
    List<Integer> clients();

    /** When a timed effect is in force; null for instantaneous events. */
    default Window window() {
        return null;
    }

    /**
     * The event as fields of an {@code events.jsonl} line: type, line, clients (if any), its trigger and duration,
     * then its own parameters.
     */
    default Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type().configName());
        m.put("line", line());
        if (!clients().isEmpty()) {
            m.put("clients", clients());
        }
        m.putAll(window() != null ? window().describe() : trigger().describe());
        m.putAll(parameters());
        return m;
    }

    /** What this type adds to {@link #describe()}, in order. */
    default Map<String, Object> parameters() {
        return Map.of();
    }

    /** When it fires (a timed effect: when it starts). */
    default Trigger trigger() {
        return window().start();
    }

    private static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static List<String> names(Set<Link> links) {
        return links.stream().sorted().map(Link::configName).toList();
    }

    /** Compute delays of {@code clients} × {@code factor} while the window is in force. */
    record SlowClient(int line, List<Integer> clients, Window window, double factor) implements ScenarioEvent {
        public Type type() {
            return Type.SLOW_CLIENT;
        }

        public Map<String, Object> parameters() {
            return fields("factor", factor);
        }
    }

    /** {@code lossDb} of extra path loss on the listed links of {@code clients} while the window is in force. */
    record LinkFade(int line, List<Integer> clients, Set<Link> links, Window window, double lossDb)
            implements ScenarioEvent {
        public Type type() {
            return Type.LINK_FADE;
        }

        public Map<String, Object> parameters() {
            return fields("links", names(links), "lossDb", lossDb);
        }
    }

    /** Rate 0 on the listed links of {@code clients} while the window is in force. */
    record LinkOutage(int line, List<Integer> clients, Set<Link> links, Window window) implements ScenarioEvent {
        public Type type() {
            return Type.LINK_OUTAGE;
        }

        public Map<String, Object> parameters() {
            return fields("links", names(links));
        }
    }

    /** Each message on the listed links of {@code clients} is lost with {@code probability} while in force. */
    record DropMessages(int line, List<Integer> clients, Set<Link> links, Window window, double probability)
            implements ScenarioEvent {
        public Type type() {
            return Type.DROP_MESSAGES;
        }

        public Map<String, Object> parameters() {
            return fields("links", names(links), "probability", probability);
        }
    }

    /** {@code clients} stop abruptly at the trigger; with {@code rejoin} (null = never) they come back then. */
    record CrashClient(int line, List<Integer> clients, Trigger trigger, Trigger rejoin, String rejoinUnit,
            Double rejoinAfter) implements ScenarioEvent {
        public Type type() {
            return Type.CRASH_CLIENT;
        }

        public Map<String, Object> parameters() {
            return rejoin == null ? Map.of() : fields("rejoinAfter", rejoinAfter, "rejoinUnit", rejoinUnit);
        }
    }

    /** The main or the federated server stops at the trigger (restarted from the last checkpoint). */
    record CrashServer(int line, Node node, Trigger trigger) implements ScenarioEvent {
        public List<Integer> clients() {
            return List.of();
        }

        public Type type() {
            return node == Node.MAIN_SERVER ? Type.CRASH_MAIN_SERVER : Type.CRASH_FED_SERVER;
        }

        public Map<String, Object> parameters() {
            return fields("node", node.configName());
        }
    }

    /** Cluster mode: {@code node} is cut off from the others while the window is in force. */
    record PartitionNode(int line, Node node, Window window) implements ScenarioEvent {
        public List<Integer> clients() {
            return List.of();
        }

        public Type type() {
            return Type.PARTITION_NODE;
        }

        public Map<String, Object> parameters() {
            return fields("node", node.configName());
        }
    }

    /**
     * {@code devices} leave the population ({@code join} false) or arrive ({@code join} true) at the trigger. A
     * device whose first membership event is a join is absent before it.
     */
    record Membership(int line, List<Integer> clients, Trigger trigger, boolean join) implements ScenarioEvent {
        public Type type() {
            return join ? Type.JOIN : Type.LEAVE;
        }
    }
}

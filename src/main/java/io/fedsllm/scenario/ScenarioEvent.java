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

    /** When it fires (a timed effect: when it starts). */
    Trigger trigger();

    /** The clients (devices) it concerns, ascending; empty for node events. */
    List<Integer> clients();

    /** When a timed effect is in force; null for instantaneous events. */
    default Window window() {
        return null;
    }

    /** The event as fields of an {@code events.jsonl} line: type, line, trigger, targets, duration, parameters. */
    Map<String, Object> describe();

    private static Map<String, Object> head(ScenarioEvent e, List<Integer> clients) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.type().configName());
        m.put("line", e.line());
        if (clients != null) {
            m.put("clients", clients);
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

        public Trigger trigger() {
            return window.start();
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, clients);
            m.putAll(window.describe());
            m.put("factor", factor);
            return m;
        }
    }

    /** {@code lossDb} of extra path loss on the listed links of {@code clients} while the window is in force. */
    record LinkFade(int line, List<Integer> clients, Set<Link> links, Window window, double lossDb)
            implements ScenarioEvent {
        public Type type() {
            return Type.LINK_FADE;
        }

        public Trigger trigger() {
            return window.start();
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, clients);
            m.put("links", names(links));
            m.putAll(window.describe());
            m.put("lossDb", lossDb);
            return m;
        }
    }

    /** Rate 0 on the listed links of {@code clients} while the window is in force. */
    record LinkOutage(int line, List<Integer> clients, Set<Link> links, Window window) implements ScenarioEvent {
        public Type type() {
            return Type.LINK_OUTAGE;
        }

        public Trigger trigger() {
            return window.start();
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, clients);
            m.put("links", names(links));
            m.putAll(window.describe());
            return m;
        }
    }

    /** Each message on the listed links of {@code clients} is lost with {@code probability} while in force. */
    record DropMessages(int line, List<Integer> clients, Set<Link> links, Window window, double probability)
            implements ScenarioEvent {
        public Type type() {
            return Type.DROP_MESSAGES;
        }

        public Trigger trigger() {
            return window.start();
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, clients);
            m.put("links", names(links));
            m.putAll(window.describe());
            m.put("probability", probability);
            return m;
        }
    }

    /** {@code clients} stop abruptly at the trigger; with {@code rejoin} (null = never) they come back then. */
    record CrashClient(int line, List<Integer> clients, Trigger trigger, Trigger rejoin, String rejoinUnit,
            Double rejoinAfter) implements ScenarioEvent {
        public Type type() {
            return Type.CRASH_CLIENT;
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, clients);
            m.putAll(trigger.describe());
            if (rejoin != null) {
                m.put("rejoinAfter", rejoinAfter);
                m.put("rejoinUnit", rejoinUnit);
            }
            return m;
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

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, null);
            m.put("node", node.configName());
            m.putAll(trigger.describe());
            return m;
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

        public Trigger trigger() {
            return window.start();
        }

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, null);
            m.put("node", node.configName());
            m.putAll(window.describe());
            return m;
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

        public Map<String, Object> describe() {
            Map<String, Object> m = head(this, clients);
            m.putAll(trigger.describe());
            return m;
        }
    }
}

package io.fedsllm.emu;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One party's own record of what it received: messages, rejections and the message classes (role separation is
 * read from these, {@link MessageAudit}). Owned by one actor; its totals leave the party as a message
 * ({@link PartyStats}) when the run ends, never as a shared object.
 */
final class PartyAudit {
    private long messages;
    private long rejected;
    private final Set<Class<?>> types = new HashSet<>();

    /** Counts a message of the modelled protocol ({@link Control} messages are not counted). */
    void received(Object message) {
        if (!(message instanceof Control)) {
            messages++;
            types.add(message.getClass());
        }
    }

    void rejected() {
        rejected++;
    }

    /** Continues the counts of an earlier incarnation of the party (a restored checkpoint). */
    void restore(PartyStats s) {
        messages = s.messages();
        rejected = s.rejected();
        types.clear();
        for (String name : s.types()) {
            try {
                types.add(Class.forName(name, false, PartyAudit.class.getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("unknown message class " + name + " in a checkpoint", e);
            }
        }
    }

    /** {@code behavior} with every message it receives counted here first (stashed ones once, on arrival). */
    <T> Behavior<T> counting(Class<T> type, Behavior<T> behavior) {
        return Behaviors.intercept(() -> new BehaviorInterceptor<T, T>(type) {
            @Override
            public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
                received(msg);
                return target.apply(ctx, msg);
            }
        }, behavior);
    }

    PartyStats stats(String role, int party) {
        return new PartyStats(role, party, messages, rejected,
                types.stream().map(Class::getName).sorted().toList());
    }

    /** {@code outcome} with the message totals of every party and its wall time (the coordinator's report). */
    static io.fedsllm.results.RunResult withTotals(io.fedsllm.results.RunResult outcome, List<PartyStats> stats,
            double wallSeconds) {
        long messages = 0;
        long rejected = 0;
        java.util.Map<String, java.util.Set<String>> types = new java.util.TreeMap<>();
        for (PartyStats s : stats) {
            messages += s.messages();
            rejected += s.rejected();
            types.computeIfAbsent(s.role(), r -> new java.util.TreeSet<>()).addAll(s.types());
        }
        io.fedsllm.results.RunResult o = outcome;
        return new io.fedsllm.results.RunResult(o.scheme(), o.mode(), o.clients(), o.rounds(), o.stopReason(),
                o.virtualSeconds(), wallSeconds, messages, rejected, o.bytesMain(), o.bytesFed(), o.finalValLoss(),
                o.timeToTargetS(), types, o.clientFailures());
    }

    /**
     * One party's totals, sent to the coordinator when the run ends.
     *
     * @param party client id, or -1 for a server or the evaluator
     * @param types binary names of the message classes received, sorted
     */
    record PartyStats(String role, int party, long messages, long rejected, List<String> types)
            implements CborSerializable {}
}

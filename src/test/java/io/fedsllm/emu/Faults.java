package io.fedsllm.emu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Faults the tests inject into one party: a message swallowed, a party stopping or failing. */
final class Faults {
    private Faults() {}

    /** What happens to the chosen party when the chosen message arrives. */
    enum Action { SWALLOW, STOP, FAIL }

    /**
     * The party {@code role}/{@code party} (-1 for a server or the coordinator) meets {@code action} on the first
     * message {@code which} accepts; every other party and message is untouched.
     */
    static RoleGuardian.PartyDecorator on(String role, int party, Predicate<Object> which, Action action) {
        AtomicBoolean fired = new AtomicBoolean();
        return new RoleGuardian.PartyDecorator() {
            @Override
            public <T> Behavior<T> decorate(String r, int p, Class<T> type, Behavior<T> behavior) {
                if (!r.equals(role) || p != party) {
                    return behavior;
                }
                return Behaviors.intercept(() -> new BehaviorInterceptor<T, T>(type) {
                    @Override
                    public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
                        if (which.test(msg) && fired.compareAndSet(false, true)) {
                            switch (action) {
                                case SWALLOW -> {
                                    return Behaviors.same();
                                }
                                case STOP -> {
                                    return Behaviors.stopped();
                                }
                                default -> throw new IllegalStateException(role + " broke on " + msg.getClass().getSimpleName());
                            }
                        }
                        return target.apply(ctx, msg);
                    }
                }, behavior);
            }
        };
    }

    /** The party fails while it starts, before anyone knows its address. */
    static RoleGuardian.PartyDecorator failAtStart(String role) {
        return new RoleGuardian.PartyDecorator() {
            @Override
            public <T> Behavior<T> decorate(String r, int p, Class<T> type, Behavior<T> behavior) {
                return r.equals(role) ? Behaviors.setup(ctx -> {
                    throw new IllegalStateException(role + " broken at start");
                }) : behavior;
            }
        };
    }
}

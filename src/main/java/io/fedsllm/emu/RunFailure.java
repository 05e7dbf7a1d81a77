package io.fedsllm.emu;

import io.fedsllm.config.UserError;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * How a run ends when something breaks: the run's {@code done} future is completed exceptionally with a message
 * that names the failing actor and the cause, so {@link Emulator#run} reports it instead of waiting forever.
 */
final class RunFailure {
    private RunFailure() {}

    /** "SimpleName: message" of a failure (or of its cause when it only wraps one). */
    static String describe(Throwable t) {
        Throwable shown = t.getMessage() == null && t.getCause() != null ? t.getCause() : t;
        return shown.getClass().getSimpleName() + (shown.getMessage() == null ? "" : ": " + shown.getMessage());
    }

    /**
     * {@code behavior}, but an exception escaping its start, a message or a signal completes {@code done}
     * exceptionally first (a {@link UserError} as it is, anything else as "the {@code who} failed: cause" with the
     * cause kept); a user error then stops the actor quietly, anything else is rethrown (logged with its trace).
     */
    static <T> Behavior<T> completesOnFailure(Class<T> type, String who, CompletableFuture<?> done, Behavior<T> behavior) {
        return Behaviors.intercept(() -> new BehaviorInterceptor<T, T>(type) {
            @Override
            public Behavior<T> aroundStart(TypedActorContext<T> ctx, PreStartTarget<T> target) {
                return guarded(() -> target.start(ctx));
            }

            @Override
            public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
                return guarded(() -> target.apply(ctx, msg));
            }

            @Override
            public Behavior<T> aroundSignal(TypedActorContext<T> ctx, Signal signal, SignalTarget<T> target) {
                return guarded(() -> target.apply(ctx, signal));
            }

            private Behavior<T> guarded(Supplier<Behavior<T>> step) {
                try {
                    return step.get();
                } catch (UserError u) {
                    done.completeExceptionally(u);
                    return Behaviors.stopped();
                } catch (RuntimeException e) {
                    done.completeExceptionally(new IllegalStateException("the " + who + " failed: " + describe(e), e));
                    throw e;
                }
            }
        }, behavior);
    }
}

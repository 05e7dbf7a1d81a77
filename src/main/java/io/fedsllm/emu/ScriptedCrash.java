package io.fedsllm.emu;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A party stopping abruptly because its scenario says so (crash-client, crash-main-server, crash-fed-server): thrown
 * from its message handler, it stops the actor without a word to anyone, as a crash would. Its guardian, which sees
 * the failure, tells the coordinator where and when it happened ({@link Info}); nothing else learns it but by the
 * party's silence.
 */
final class ScriptedCrash extends RuntimeException {
    private final Info info;

    ScriptedCrash(Info info) {
        super("scripted crash (scenario line " + info.line() + ") in round " + info.round() + ", iteration "
                + info.iteration() + ", at " + info.timeS() + " s", null, false, false);
        this.info = info;
    }

    Info info() {
        return info;
    }

    /**
     * Where the crash happened: the scenario event's line, the round, the local iteration (I for the LoRA phase) and
     * the virtual time.
     */
    public record Info(int line, int round, int iteration, double timeS) {}

    /** The party's behaviour, stopped without an error log when it throws a {@link ScriptedCrash}. */
    static <T> Behavior<T> crashable(Behavior<T> behavior) {
        return Behaviors.supervise(behavior).onFailure(ScriptedCrash.class, SupervisorStrategy.stop().withLoggingEnabled(false));
    }
}

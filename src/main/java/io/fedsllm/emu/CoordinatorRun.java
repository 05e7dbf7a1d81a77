package io.fedsllm.emu;

import io.fedsllm.config.EmuSettings.Scheme;
import io.fedsllm.emu.Coordinator.Command;
import io.fedsllm.results.RoundRecord;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The coordinator's state and phases — enrolling → rounds (→ checkpoint, → restarting after a server crash) →
 * stopping — see {@link Coordinator}. Who takes part is {@link Parties}'; a round's reports are {@link RoundBook}'s;
 * its events {@link RoundEvents}'. Each round it selects the round's devices from the population (those available,
 * present and not down by the scenario), gives each to a client actor (real mode: the device's own; analytic mode:
 * the next free one), plans them with the fades in force at the round start, and tells every party its part. Used
 * only on the coordinator's thread.
 *
 * <p>This class holds what the run shares: its setting, the state its parts read and change, and the parts, each a
 * {@link CoordinatorPart}: {@link CoordinatorEnrolment} (the parties join), {@link CoordinatorRoundStart} (devices
 * that go down, clients hosted anew or back), {@link CoordinatorRounds} (plan, progress, record),
 * {@link CoordinatorCheckpoints} (take and restore), {@link CoordinatorRestarts} (a server crashed or its node went),
 * {@link CoordinatorLosses} (parties and nodes that stop, messages not delivered) and {@link CoordinatorEnd} (the
 * parties' totals, the outcome, a failure).
 */
final class CoordinatorRun {
    final ActorContext<Command> ctx;
    final TimerScheduler<Command> timers;
    final Coordinator.Kit kit;
    final PartyAudit audit;
    final Outbox outbox;
    final Parties parties;
    final NodeReturns nodes = new NodeReturns();   // cluster nodes that go and come back

    final SortedMap<Integer, String> clientFailures = new TreeMap<>();
    final List<RoundRecord> records = new ArrayList<>();
    final TreeSet<Integer> pendingKills = new TreeSet<>();     // client actors stopped for good at this round start
    final TreeSet<Integer> pendingCrashes = new TreeSet<>();   // client actors stopped by a scripted crash now
    final TreeSet<Integer> pendingRespawns = new TreeSet<>();  // client actors being hosted anew
    final TreeSet<Integer> respawnDue = new TreeSet<>();       // client actors to host anew at the next round start
    final BitSet deadDevices = new BitSet();                   // devices gone for good
    final TreeSet<Integer> crashesDone = new TreeSet<>();      // scenario lines of server crashes that happened
    final TreeSet<Integer> dropped = new TreeSet<>();          // devices found down in this round
    final TreeSet<Integer> droppedNext = new TreeSet<>();      // ... once its record was written: the next round's
    final List<Note> notes = new ArrayList<>();                // the coordinator's notes of this round
    final List<Note> carriedNotes = new ArrayList<>();         // ... of a round done again, for the next one
    int round = -1;
    double roundStartS;
    RoundBook book;
    long bytesMain;
    long bytesFed;
    Recorder.FinalAdapters lastLora;   // real mode: the LoRA of the last recorded round
    int generation;                    // of the coordinator's wait: a Timeout of an earlier one is stale
    long lastAliveNs = System.nanoTime();

    final CoordinatorEnrolment enrolment;
    final CoordinatorRoundStart roundStart;
    final CoordinatorRounds rounds;
    final CoordinatorCheckpoints checkpoints;
    final CoordinatorRestarts restarts;
    final CoordinatorLosses losses;
    final CoordinatorEnd end;

    CoordinatorRun(ActorContext<Command> ctx, TimerScheduler<Command> timers, Coordinator.Kit kit, PartyAudit audit) {
        this.ctx = ctx;
        this.timers = timers;
        this.kit = kit;
        this.audit = audit;
        this.outbox = Outbox.of(ctx.getSystem(), ctx.getSelf());
        this.parties = new Parties(kit.slots(), kit.emu().scheme() != Scheme.CENTRALIZED);
        this.end = new CoordinatorEnd(this);
        this.enrolment = new CoordinatorEnrolment(this);
        this.roundStart = new CoordinatorRoundStart(this);
        this.rounds = new CoordinatorRounds(this);
        this.checkpoints = new CoordinatorCheckpoints(this);
        this.restarts = new CoordinatorRestarts(this);
        this.losses = new CoordinatorLosses(this);
    }

    /** The first phase: the parties join. */
    Behavior<Command> enrolling() {
        return enrolment.enrolling();
    }
}

package io.fedsllm.emu;

import io.fedsllm.plan.RoundPlan;
import io.fedsllm.results.EventMark;
import io.fedsllm.results.EventRecord;
import io.fedsllm.results.RoundRecord;
import io.fedsllm.scenario.Link;
import io.fedsllm.scenario.Occurrence;
import io.fedsllm.scenario.Position;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.scenario.ScenarioEvent;
import io.fedsllm.scenario.Trigger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code events.jsonl} lines of one global round, built by the coordinator when the round is complete: every
 * scenario occurrence whose trigger the round reached (with what it did), and what the parties and the coordinator
 * noted (clients left out, messages lost, barriers held up, plans changed, servers restarted); and the timeline's
 * marks from them. Server crashes are not taken from the scenario's occurrences but from the crash itself (a
 * crash on the virtual clock fires at the server's first point after its trigger), noted by the coordinator.
 */
final class RoundEvents {
    private RoundEvents() {}

    /**
     * The round's lines, in virtual-time order (ties: scenario occurrences in trigger order, then the notes as given).
     *
     * @param iterationStartS when each local iteration started (NaN: not reached); empty without iterations
     * @param participants    the devices of the round
     * @param notes           the parties' and the coordinator's notes of the round
     */
    static List<EventRecord> of(Scenario scenario, RoundRecord record, List<Double> iterationStartS, int[] participants,
            List<Note> notes) {
        List<EventRecord> out = new ArrayList<>();
        int r = record.round();
        Position from = Position.roundStart(r, record.virtualStartS());
        Position to = Position.roundStart(r + 1, record.virtualEndS());
        TreeSet<Integer> inRound = new TreeSet<>();
        for (int d : participants) {
            inRound.add(d);
        }
        for (Occurrence o : scenario.firing(from, to)) {
            if (o.event() instanceof ScenarioEvent.CrashServer) {
                continue;
            }
            Integer iteration = null;
            double timeS;
            if (o.at() instanceof Trigger.AtStep s) {
                iteration = s.iteration();
                timeS = s.iteration() == 0 || s.iteration() >= iterationStartS.size()
                        || Double.isNaN(iterationStartS.get(s.iteration())) ? record.virtualStartS()
                        : iterationStartS.get(s.iteration());
            } else {
                timeS = ((Trigger.AtTime) o.at()).timeS();
                for (int i = 0; i < iterationStartS.size(); i++) {
                    if (iterationStartS.get(i) <= timeS) {
                        iteration = i;
                    }
                }
            }
            out.add(o.record(new Position(r, iteration == null ? 0 : iteration, timeS), effect(o, inRound, record)));
        }
        for (Note n : notes) {
            out.add(n.record(r));
        }
        out.sort(Comparator.comparingDouble(EventRecord::virtualTimeS));
        return out;
    }

    /** What an occurrence did, in words (null: a timed effect starting or ending says it all). */
    private static String effect(Occurrence o, TreeSet<Integer> inRound, RoundRecord record) {
        List<Integer> hit = o.clients().stream().filter(inRound::contains).toList();
        String round = " of round " + record.round() + " from here: " + hit;
        if (o.event() instanceof ScenarioEvent.CrashClient c) {
            if (o.phase() == Occurrence.Phase.REJOINED) {
                return "back: selectable from the next round start on";
            }
            return (c.rejoin() == null ? "down for the rest of the run" : "down until it rejoins")
                    + (hit.isEmpty() ? "; not selected" : "; left out" + round);
        }
        if (o.event() instanceof ScenarioEvent.Membership m) {
            return m.join() ? "joined: selectable from the next round start on"
                    : "left the population: not selected from here on" + (hit.isEmpty() ? "" : "; out" + round);
        }
        return null;
    }

    /** The timeline's marks: one per client of each line (one across every row for a line without clients). */
    static List<EventMark> marks(List<EventRecord> events) {
        List<EventMark> out = new ArrayList<>();
        for (EventRecord e : events) {
            String label = e.type() + (e.phase() == null ? "" : " " + e.phase());
            if (e.clients().isEmpty()) {
                out.add(new EventMark(null, e.virtualTimeS(), label));
            } else {
                for (int c : e.clients()) {
                    out.add(new EventMark(c, e.virtualTimeS(), label));
                }
            }
        }
        return out;
    }

    /**
     * What the planner changed for the round, when a scenario runs: the split and rank against the previous round, and
     * the subchannels of the participants under a fade at the round start. Null when nothing changed (or no
     * previous round, or no scenario).
     */
    static Note planChange(Scenario scenario, RoundPlan plan, RoundRecord previous, double startS) {
        if (scenario.isEmpty() || previous == null) {
            return null;
        }
        List<String> changes = new ArrayList<>();
        if (plan.splitLayer() != previous.splitLayer()) {
            changes.add("split " + previous.splitLayer() + " -> " + plan.splitLayer());
        }
        if (plan.rank() != previous.rank()) {
            changes.add("rank " + previous.rank() + " -> " + plan.rank());
        }
        Map<Integer, RoundRecord.ClientRound> before = new HashMap<>();
        previous.clients().forEach(c -> before.put(c.client(), c));
        List<Integer> faded = new ArrayList<>();
        Position p = Position.roundStart(plan.round(), startS);
        for (RoundPlan.ClientShare s : plan.shares()) {
            double main = scenario.extraLossDb(s.client(), Link.MAIN, p);
            double fed = scenario.extraLossDb(s.client(), Link.FED, p);
            RoundRecord.ClientRound b = before.get(s.client());
            if ((main != 0 || fed != 0) && b != null) {
                faded.add(s.client());
                changes.add(String.format(Locale.ROOT, "client %d (fade main %.1f dB, fed %.1f dB): subchannels main %d -> %d,"
                        + " fed %d -> %d", s.client(), main, fed, b.subchannelsMain(), s.subchannelsMain(), b.subchannelsFed(),
                        s.subchannelsFed()));
            }
        }
        return changes.isEmpty() ? null : new Note(null, startS, "plan-change", faded, String.join("; ", changes));
    }
}

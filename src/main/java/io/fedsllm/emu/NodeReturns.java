package io.fedsllm.emu;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The coordinator's book of cluster nodes that go and come back (in one JVM no guardian goes, and this stays empty):
 * the guardians lost with their node (it left the cluster, or cannot be reached), the clients lost with them (and the
 * device each was in then), and the clients guardians found after the run started — a clients node started again —
 * with the clients they host, which wait to take the place of clients lost with their node at a round start. Only
 * addresses and ids, like {@link Parties}.
 */
final class NodeReturns {

    /** A client actor of a guardian found after the run started, waiting to take its id's place. */
    private record Waiting(ActorRef<Client.Command> ref, ActorRef<RoleGuardian.Command> guardian) {}

    private final Set<ActorRef<RoleGuardian.Command>> lostHosts = new HashSet<>();
    private final Set<ActorRef<RoleGuardian.Command>> late = new HashSet<>();
    private final Set<ActorRef<RoleGuardian.Command>> ignored = new HashSet<>();
    private final TreeMap<Integer, Integer> lostWithNode = new TreeMap<>();   // client → its device then (-1: none)
    private final TreeMap<Integer, Waiting> waiting = new TreeMap<>();

    /** A guardian found after the run started (its parties are not in the run until they take lost clients' places). */
    void late(ActorRef<RoleGuardian.Command> guardian) {
        late.add(guardian);
    }

    /** Whether {@code guardian} was found after the run started and none of its clients is in the run yet. */
    boolean isLate(ActorRef<RoleGuardian.Command> guardian) {
        return late.contains(guardian);
    }

    /** A guardian of a server role found after the run started: it takes no part. */
    void ignore(ActorRef<RoleGuardian.Command> guardian) {
        ignored.add(guardian);
    }

    /** Whether {@code guardian} is a server guardian found after the run started that takes no part (yet). */
    boolean isIgnored(ActorRef<RoleGuardian.Command> guardian) {
        return ignored.contains(guardian);
    }

    /** A server guardian found after the run started takes the place of one whose node went: it takes part. */
    void promote(ActorRef<RoleGuardian.Command> guardian) {
        ignored.remove(guardian);
    }

    /**
     * Whether {@code guardian}'s parties are in the run (it is asked to host them anew when a server restarts): not
     * lost, not found after the run started without a client back yet, not ignored.
     */
    boolean takesPart(ActorRef<RoleGuardian.Command> guardian) {
        return !lostHosts.contains(guardian) && !late.contains(guardian) && !ignored.contains(guardian);
    }

    /** {@code guardian}'s node left the cluster or cannot be reached: it is not asked for anything again. */
    void hostLost(ActorRef<RoleGuardian.Command> guardian) {
        lostHosts.add(guardian);
        late.remove(guardian);
        waiting.values().removeIf(w -> w.guardian().equals(guardian));
    }

    /** Whether {@code guardian}'s node left the cluster or cannot be reached. */
    boolean isLost(ActorRef<RoleGuardian.Command> guardian) {
        return lostHosts.contains(guardian);
    }

    /** Client {@code c} was lost with its node, in device {@code device} (-1: in none). */
    void lostWithNode(int c, int device) {
        lostWithNode.put(c, device);
    }

    /**
     * A guardian found after the run started hosts these clients (aligned lists): each waits to come back in the place
     * of its id's actor once that was lost with its node. Why they cannot, or null.
     */
    String offer(List<Integer> ids, List<ActorRef<Client.Command>> refs, ActorRef<RoleGuardian.Command> guardian,
            int k) {
        for (int c : ids) {
            if (c < 0 || c >= k) {
                return "client " + c + " is not one of the " + k + " clients";
            }
            Waiting w = waiting.get(c);
            if (w != null && !w.guardian().equals(guardian)) {
                return "client " + c + " is offered by " + w.guardian().path() + " already";
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            waiting.put(ids.get(i), new Waiting(refs.get(i), guardian));
        }
        return null;
    }

    /** The waiting clients whose ids were lost with their node and are dead now, by guardian, ascending. */
    Map<ActorRef<RoleGuardian.Command>, List<Integer>> due(Parties parties) {
        Map<ActorRef<RoleGuardian.Command>, List<Integer>> out = new LinkedHashMap<>();
        waiting.forEach((c, w) -> {
            if (lostWithNode.containsKey(c) && !parties.alive(c)) {
                out.computeIfAbsent(w.guardian(), g -> new ArrayList<>()).add(c);
            }
        });
        return out;
    }

    /** The waiting actor of client {@code c}. */
    ActorRef<Client.Command> ref(int c) {
        return waiting.get(c).ref();
    }

    /**
     * Client {@code c} is back, hosted by {@code guardian}, which is an ordinary host from now on; the device it was in
     * when it was lost (-1: none).
     */
    int back(int c, ActorRef<RoleGuardian.Command> guardian) {
        waiting.remove(c);
        late.remove(guardian);
        Integer device = lostWithNode.remove(c);
        return device == null ? -1 : device;
    }

    /** The clients waiting for their ids' actors to be lost, ascending (for the log). */
    List<Integer> waiting() {
        return List.copyOf(waiting.keySet());
    }
}

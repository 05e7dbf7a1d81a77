package io.fedsllm.emu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The coordinator's view of who takes part: the role guardians it found, the servers and the K clients as their
 * guardians announced them, and which clients are alive. Only addresses: nothing a party holds.
 */
final class Parties {
    private final int k;
    private final boolean withClients;
    private final TreeSet<ActorRef<RoleGuardian.Command>> guardians = new TreeSet<>((a, b) -> a.path().compareTo(b.path()));
    private final List<ActorRef<Client.Command>> clients;
    private final boolean[] alive;
    ActorRef<MainServer.Command> mainServer;
    ActorRef<FedServer.Command> fedServer;

    /** K clients; {@code withClients} false for the centralized scheme (no client takes part). */
    Parties(int k, boolean withClients) {
        this.k = k;
        this.withClients = withClients;
        this.clients = new ArrayList<>(Collections.nCopies(k, null));
        this.alive = new boolean[k];
    }

    int k() {
        return k;
    }

    /** True the first time a guardian is seen (it is then to be enrolled). */
    boolean newGuardian(ActorRef<RoleGuardian.Command> guardian) {
        return guardians.add(guardian);
    }

    /** Why these clients cannot join, or null (they joined and are alive). */
    String join(List<Integer> ids, List<ActorRef<Client.Command>> refs) {
        for (int c : ids) {
            if (c < 0 || c >= k || clients.get(c) != null) {
                return "client " + c + " is not one of the " + k + " clients or joined twice";
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            clients.set(ids.get(i), refs.get(i));
            alive[ids.get(i)] = withClients;
        }
        return null;
    }

    /** The parties not announced yet ("" when everyone is in). */
    String missing() {
        List<String> out = new ArrayList<>();
        if (mainServer == null) {
            out.add(MainServer.ROLE);
        }
        if (fedServer == null) {
            out.add(FedServer.ROLE);
        }
        List<Integer> ids = new ArrayList<>();
        for (int c = 0; withClients && c < k; c++) {
            if (clients.get(c) == null) {
                ids.add(c);
            }
        }
        if (!ids.isEmpty()) {
            out.add("clients " + ids);
        }
        return String.join(", ", out);
    }

    /** The clients by id (empty for the centralized scheme). */
    List<ActorRef<Client.Command>> clients() {
        return withClients ? Collections.unmodifiableList(clients) : List.of();
    }

    ActorRef<Client.Command> client(int c) {
        return clients.get(c);
    }

    boolean alive(int c) {
        return alive[c];
    }

    /** A client died: never planned again. False when it was already gone. */
    boolean die(int c) {
        boolean was = alive[c];
        alive[c] = false;
        return was;
    }

    /** The live clients whose actors are on the node at {@code address} (its Pekko address), ascending. */
    List<Integer> liveOn(String address) {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            if (alive[c] && clients.get(c).path().address().toString().equals(address)) {
                out.add(c);
            }
        }
        return out;
    }

    /** The live clients, ascending. */
    List<Integer> live() {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            if (alive[c]) {
                out.add(c);
            }
        }
        return out;
    }
}

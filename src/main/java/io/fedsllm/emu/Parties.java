package io.fedsllm.emu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The coordinator's view of who takes part: the role guardians it found, the servers and the client actors as their
 * guardians announced them (with the guardian hosting each), and which clients are alive. Only addresses: nothing a
 * party holds.
 */
final class Parties {
    private final int k;
    private final boolean withClients;
    private final TreeSet<ActorRef<RoleGuardian.Command>> guardians = new TreeSet<>((a, b) -> a.path().compareTo(b.path()));
    private final List<ActorRef<Client.Command>> clients;
    private final List<ActorRef<RoleGuardian.Command>> hostOf;
    private final boolean[] alive;
    ActorRef<MainServer.Command> mainServer;
    ActorRef<FedServer.Command> fedServer;

    /** K clients; {@code withClients} false for the centralized scheme (no client takes part). */
    Parties(int k, boolean withClients) {
        this.k = k;
        this.withClients = withClients;
        this.clients = new ArrayList<>(Collections.nCopies(k, null));
        this.hostOf = new ArrayList<>(Collections.nCopies(k, null));
        this.alive = new boolean[k];
    }

    int k() {
        return k;
    }

    /** True the first time a guardian is seen (it is then to be enrolled). */
    boolean newGuardian(ActorRef<RoleGuardian.Command> guardian) {
        return guardians.add(guardian);
    }

    /** Whether {@code ref} is one of the guardians found. */
    boolean isGuardian(ActorRef<?> ref) {
        return guardians.stream().anyMatch(ref::equals);
    }

    /** The client whose actor {@code ref} is (this incarnation of it), or -1. */
    int clientOf(ActorRef<?> ref) {
        for (int c = 0; c < k; c++) {
            if (ref.equals(clients.get(c))) {
                return c;
            }
        }
        return -1;
    }

    /** The live clients {@code guardian} hosts, ascending. */
    List<Integer> liveHostedBy(ActorRef<RoleGuardian.Command> guardian) {
        List<Integer> out = new ArrayList<>();
        for (int c : live()) {
            if (guardian.equals(hostOf.get(c))) {
                out.add(c);
            }
        }
        return out;
    }

    /** Why these clients (hosted by {@code guardian}) cannot join, or null (they joined and are alive). */
    String join(List<Integer> ids, List<ActorRef<Client.Command>> refs, ActorRef<RoleGuardian.Command> guardian) {
        for (int c : ids) {
            if (c < 0 || c >= k || clients.get(c) != null) {
                return "client " + c + " is not one of the " + k + " clients or joined twice";
            }
        }
        set(ids, refs, guardian);
        return null;
    }

    /** Why these clients cannot come back, or null (their new actors are in and alive): each must be known and dead. */
    String rejoin(List<Integer> ids, List<ActorRef<Client.Command>> refs, ActorRef<RoleGuardian.Command> guardian) {
        for (int c : ids) {
            if (c < 0 || c >= k || clients.get(c) == null || alive[c]) {
                return "client " + c + " is not one of the " + k + " clients, or is alive";
            }
        }
        set(ids, refs, guardian);
        return null;
    }

    private void set(List<Integer> ids, List<ActorRef<Client.Command>> refs, ActorRef<RoleGuardian.Command> guardian) {
        for (int i = 0; i < ids.size(); i++) {
            clients.set(ids.get(i), refs.get(i));
            hostOf.set(ids.get(i), guardian);
            alive[ids.get(i)] = withClients;
        }
    }

    /** The guardian hosting client {@code c}. */
    ActorRef<RoleGuardian.Command> host(int c) {
        return hostOf.get(c);
    }

    /** Every guardian found (each is enrolled once). */
    List<ActorRef<RoleGuardian.Command>> guardians() {
        return List.copyOf(guardians);
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

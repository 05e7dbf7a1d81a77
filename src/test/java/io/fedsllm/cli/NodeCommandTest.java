package io.fedsllm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.emu.RoleGuardian;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node command's own inputs: each bad one is a user error (exit 2, no stack trace) naming the flag and what is
 * allowed, given before the node starts anything; and how a clients node's ids are read.
 */
@Timeout(60)
class NodeCommandTest {

    @Test
    void aRoleThatDoesNotExistIsNamedWithTheRoles() {
        CliRun.of("node", "--role", "boss", "--insecure").assertUserError("--role 'boss' is not a role",
                "[coordinator, main-server, fed-server, clients]");
    }

    @Test
    void runOptionsAreTheCoordinatorNodesOnly() {
        CliRun.of("node", "--role", "clients", "--insecure", "--seed", "3", "--rounds", "2")
                .assertUserError("--rounds, --seed: the run options are the coordinator node's", "a clients node receives");
    }

    @Test
    void clientIdsAreForClientsNodes() {
        CliRun.of("node", "--role", "main-server", "--insecure", "--client-ids", "0-2")
                .assertUserError("--client-ids is for clients nodes (--role clients), not --role main-server");
        CliRun.of("node", "--role", "clients", "--insecure", "--client-ids", "0-2", "--client-share", "1/2")
                .assertUserError("give --client-ids or --client-share, not both");
    }

    @Test
    void badClientIdsAndSharesAreNamed() {
        CliRun.of("node", "--role", "clients", "--insecure", "--client-ids", "0-2,5-4")
                .assertUserError("--client-ids '0-2,5-4': '5-4' is not a client id or a range low-high", "e.g. 0-4,7");
        CliRun.of("node", "--role", "clients", "--insecure", "--client-ids", "1,,2")
                .assertUserError("--client-ids '1,,2': '' is not a client id");
        CliRun.of("node", "--role", "clients", "--insecure", "--client-share", "3/2")
                .assertUserError("--client-share '3/2': expected I/N with 1 <= I <= N");
        CliRun.of("node", "--role", "clients", "--insecure", "--client-share", "0/2")
                .assertUserError("--client-share '0/2'");
    }

    @Test
    void aNodeWithoutTlsMaterialRefusesToStart() {
        CliRun.of("node", "--role", "fed-server").assertUserError("a cluster node needs TLS material: --tls-dir DIR",
                "--insecure");
        CliRun.of("node", "--role", "fed-server", "--port", "70000", "--insecure")
                .assertUserError("fedsllm.cluster.port", "70000 (--port)", "[0, 65535]");
    }

    @Test
    void aCoordinatorRefusesAnOutputDirectoryInUseBeforeItStarts(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("rounds.jsonl"), "{}\n");
        CliRun r = CliRun.of("node", "--role", "coordinator", "--insecure", "--port", "0", "--mode", "analytic",
                "--out", out.toString()).assertUserError("--out " + out, "not empty");
        assertTrue(!r.err().contains("is up"), "no node was started: " + r.err());
        assertEquals("{}\n", Files.readString(out.resolve("rounds.jsonl")));
    }

    @Test
    void clientIdsAreIdsAndRangesAndASharesIsAContiguousRange() {
        assertEquals(List.of(0, 1, 2, 4, 7), RoleGuardian.ClientIds.of(NodeCommand.ids("7, 0-2,4,2")).resolve(8));
        RoleGuardian.ClientIds first = NodeCommand.share("1/2");
        RoleGuardian.ClientIds second = NodeCommand.share("2/2");
        assertEquals(List.of(0, 1), first.resolve(5));
        assertEquals(List.of(2, 3, 4), second.resolve(5));
        assertEquals(List.of(), NodeCommand.share("1/3").resolve(1), "a share of fewer clients than shares may be empty");
        assertEquals(List.of(0), NodeCommand.share("3/3").resolve(1));
        assertEquals(List.of(0, 1, 2), RoleGuardian.ClientIds.ALL.resolve(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RoleGuardian.ClientIds.of(List.of(1, 5, 6)).resolve(5));
        assertEquals("this node is to host clients [5, 6], but the experiment has 5 client actors (ids 0..4: "
                + "system.clients, or the population's devices in real mode)", e.getMessage());
    }
}

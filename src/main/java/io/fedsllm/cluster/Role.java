package io.fedsllm.cluster;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.UserError;
import java.util.Arrays;
import java.util.List;

/** The cluster roles: one guardian per role (ARCHITECTURE "Where state lives"), one role per node. */
public enum Role {
    COORDINATOR, MAIN_SERVER, FED_SERVER, CLIENTS;

    /** The spelling in {@code pekko.cluster.roles}, on the command line and in {@code deploy/<name>.conf}. */
    public String configName() {
        return ConfigReader.configName(this);
    }

    /** The classpath resource (and file under the repository) holding the role's keys. */
    public String configResource() {
        return "deploy/" + configName() + ".conf";
    }

    /** Every role's spelling, e.g. for a usage line. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Role::configName).toList();
    }

    /** The role spelled {@code name}; a {@link UserError} naming the allowed spellings otherwise. */
    public static Role parse(String name, String where) {
        for (Role r : values()) {
            if (r.configName().equals(name)) {
                return r;
            }
        }
        throw new UserError(where + " '" + name + "' is not a role: expected one of " + names());
    }
}

package io.vigie.tools.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vigie.tools.mlflow.MlflowException;

class AuditMainTest {
    static int run(String... argv) throws Exception {
        return AuditMain.run(argv, Map.of());
    }

    @Test
    void badArgumentsExit2BeforeAnyConnection() throws Exception {
        String ok = "http://127.0.0.1:1";
        assertEquals(2, run("--mlflow", ok), "no broker");
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883"), "no MLflow URI, no MLFLOW_TRACKING_URI");
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", "sqlite:///x.db"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--until-idle", "abc"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--until-idle", "0"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--once", "--until-idle", "5"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--client-id", "a/b"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--client-id", "x".repeat(65)));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--topic", "a/#/b"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--topic", "a/\u0000"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--password-env", "NOT_SET_HERE"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--frobnicate"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow", ok, "--once", "--once"));
        assertEquals(2, run("--broker", "tcp://127.0.0.1:1883", "--mlflow"));
        assertEquals(0, run("--help"));
    }

    @Test
    void onlyPlainBrokerUrisAreTaken() {
        for (String bad : new String[] { "http://h:1883", "tcp://h", "tcp://h:0", "tcp://h:70000", "tcp://u:p@h:1883",
                "tcp://h:1883/path", "tcp://h:1883?x=1", "garbage", " ", "tcp://:1883", "file:///etc/passwd" }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuditMain.brokerUri(bad), bad);
            assertTrue(e.getMessage().contains("tcp"), e.getMessage());
        }
        assertEquals("tcp://127.0.0.1:1883", AuditMain.brokerUri("tcp://127.0.0.1:1883"));
        assertEquals("wss://broker.example:443/mqtt", AuditMain.brokerUri("wss://broker.example:443/mqtt"));
    }

    @Test
    void outagesAreRetriedRefusalsAreNot() {
        assertTrue(AuditListener.transientFailure(new MlflowException(MlflowException.Kind.UNREACHABLE, "down")));
        assertTrue(AuditListener.transientFailure(new MlflowException(MlflowException.Kind.HTTP, 503, null, "busy", null)));
        assertEquals(false, AuditListener.transientFailure(new MlflowException(MlflowException.Kind.HTTP, 400,
                "INVALID_PARAMETER_VALUE", "no", null)));
    }

    @Test
    void brokerAwayInScriptModeExits1() throws Exception {
        java.nio.file.Path state = java.nio.file.Files.createTempDirectory("audit-state");
        assertEquals(1, run("--broker", "tcp://127.0.0.1:1", "--mlflow", "http://127.0.0.1:1", "--until-idle", "1", "--state",
                state.toString()));
    }
}

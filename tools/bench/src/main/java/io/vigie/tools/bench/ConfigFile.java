package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes Felix fileinstall typed {@code .config} files ({@code key="value"}, {@code key=["a","b"]}).
 * Every value is written as a string: DS converts it to the component property type's int/float/boolean.
 */
public final class ConfigFile {
    private ConfigFile() {
    }

    /** The file text for the given properties (in iteration order); values are String, Number, Boolean or List. */
    public static String render(Map<String, ?> props) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, ?> e : props.entrySet()) {
            String key = e.getKey();
            if (key.isEmpty() || !key.matches("[A-Za-z0-9_.\\-]+"))
                throw new IllegalArgumentException("invalid configuration key: '" + key + "'");
            sb.append(key).append('=');
            Object v = e.getValue();
            if (v instanceof List<?> list) {
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) sb.append(',');
                    sb.append(quote(String.valueOf(list.get(i)), key));
                }
                sb.append(']');
            } else if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                sb.append(quote(String.valueOf(v), key));
            } else {
                throw new IllegalArgumentException("unsupported value for '" + key + "': " + v);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String quote(String s, String key) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c < 0x20) throw new IllegalArgumentException("control character in value of '" + key + "'");
            if (c == '"' || c == '\\') sb.append('\\');
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /**
     * Writes {@code dir/pid.config} atomically: fileinstall polls the folder and must never read
     * a half-written file (the temporary name does not match its filter).
     */
    public static Path write(Path dir, String pid, Map<String, ?> props) throws IOException {
        if (!pid.matches("[A-Za-z0-9_.\\-]+")) throw new IllegalArgumentException("invalid PID: " + pid);
        String text = render(props);
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + pid + ".tmp");
        Files.writeString(tmp, text);
        Path target = dir.resolve(pid + ".config");
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}

package dev.steward.allocator.store;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stored shape of every table (each JSON path with its type, as the row's record writes it)
 * is the one recorded for the current schema in {@code store/schema-N.shape}. Stored records are
 * the API's records today, so a change to an API record can change what is stored: this test makes
 * that a decision. When it fails, either the change is compatible (a new optional field: record the
 * new shape under the same schema) or it is not (a renamed, moved or retyped field: raise
 * {@link Migrations#CURRENT}, add the migration, record schema-N+1.shape). The computed shape is
 * written to target/stored-shape.txt.
 */
class StoredShapeTest {
    @Test
    void the_stored_shape_of_every_table_is_the_one_recorded_for_the_current_schema() throws IOException {
        List<String> shape = shape();
        Path out = Path.of("target", "stored-shape.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, shape);
        String name = "/store/schema-" + Migrations.CURRENT + ".shape";
        try (InputStream in = StoredShapeTest.class.getResourceAsStream(name)) {
            assertThat(in).as("recorded shape " + name + " (the computed one is in " + out.toAbsolutePath() + ")").isNotNull();
            List<String> recorded = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
            assertThat(shape).as("the stored shape differs from " + name + "; see this test's javadoc for what to do").containsExactlyElementsOf(recorded);
        }
    }

    @Test
    void a_renamed_field_shows_in_the_shape() {
        record Before(String packageDigest, int instances) {
        }
        record After(String digest, int instances) {
        }
        assertThat(shapeOf(Before.class)).isNotEqualTo(shapeOf(After.class));
        assertThat(shapeOf(Before.class)).containsExactly("T.instances: int", "T.packageDigest: String");
    }

    static List<String> shape() {
        List<String> out = new ArrayList<>();
        for (Store.Table t : Store.Table.values()) {
            Set<String> lines = new TreeSet<>();
            walk(StoredJson.MAPPER.constructType(t.type()), t.name(), lines, new HashSet<>());
            out.addAll(lines);
        }
        return out;
    }

    static List<String> shapeOf(Class<?> type) {
        Set<String> lines = new TreeSet<>();
        walk(StoredJson.MAPPER.constructType(type), "T", lines, new HashSet<>());
        return List.copyOf(lines);
    }

    private static void walk(JavaType t, String path, Set<String> out, Set<Class<?>> seen) {
        Class<?> c = t.getRawClass();
        if (t.isContainerType() && !t.isMapLikeType()) {
            walk(t.getContentType(), path + "[]", out, seen);
        } else if (t.isMapLikeType()) {
            walk(t.getContentType(), path + "{}", out, seen);
        } else if (c.isEnum()) {
            out.add(path + ": enum " + Arrays.toString(c.getEnumConstants()));
        } else if (c.isPrimitive() || c.getName().startsWith("java.") || c == Object.class) {
            out.add(path + ": " + c.getSimpleName());
        } else if (!seen.add(c)) {
            out.add(path + ": " + c.getSimpleName() + " (as above)");
        } else {
            BeanDescription d = StoredJson.MAPPER.getSerializationConfig().introspect(t);
            for (BeanPropertyDefinition p : d.findProperties()) {
                if (p.couldSerialize()) {
                    walk(p.getPrimaryType(), path + "." + p.getName(), out, seen);
                }
            }
            seen.remove(c);
        }
    }
}

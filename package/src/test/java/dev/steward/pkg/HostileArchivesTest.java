package dev.steward.pkg;

import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A corpus of hostile archives. Each must be refused with its reason, both when the allocator
 * inspects an upload and when an agent unpacks, and nothing may be written outside the sandbox
 * (nor left inside it).
 */
class HostileArchivesTest {
    private static final UnpackLimits SMALL = new UnpackLimits(50, 16L << 20, 200, 8);
    @TempDir
    Path tmp;
    private Path box;
    private Path sandbox;
    private String outside;

    @BeforeEach
    void layout() throws IOException {
        box = Files.createDirectories(tmp.resolve("box-" + UUID.randomUUID()));
        sandbox = Files.createDirectories(box.resolve("sandbox"));
        Files.writeString(box.resolve("sentinel"), "keep");
        outside = "/tmp/steward-hostile-" + UUID.randomUUID();
    }

    private record Case(String name, byte[] archive, String reason) {
    }

    private List<Case> corpus() throws IOException {
        List<Case> c = new ArrayList<>();
        c.add(new Case("absolute path", Archives.withManifest().file(outside, "x").bytes(), "an absolute path"));
        c.add(new Case("dot-dot", Archives.withManifest().file("../sentinel2", "x").bytes(), "a path with '..'"));
        c.add(new Case("dot-dot in the middle", Archives.withManifest().file("a/../../sentinel2", "x").bytes(), "a path with '..'"));
        c.add(new Case("absolute symlink", Archives.withManifest().symlink("etc", "/etc").bytes(), "the target is absolute"));
        c.add(new Case("climbing symlink", Archives.withManifest().symlink("up", "../..").bytes(), "climbs above the package root"));
        c.add(new Case("write through a symlink", Archives.withManifest().symlink("d", "sub").dir("sub").file("d/x", "x").bytes(),
                "passes through d, which is not a directory"));
        c.add(new Case("symlink chain that climbs", Archives.withManifest().dir("d").symlink("d/y", "..").symlink("x", "d/y/../sentinel").bytes(),
                "resolves outside the package"));
        c.add(new Case("self loop", Archives.withManifest().symlink("loop", "loop").bytes(), "resolves outside the package"));
        c.add(new Case("hard link outside", Archives.withManifest().hardlink("passwd", "/etc/passwd").bytes(), "an absolute path"));
        c.add(new Case("hard link climbing", Archives.withManifest().hardlink("s", "../sentinel").bytes(), "a path with '..'"));
        c.add(new Case("hard link to nothing", Archives.withManifest().hardlink("h", "missing").bytes(), "not a file earlier in the package"));
        c.add(new Case("character device", Archives.withManifest().special("null", TarConstants.LF_CHR).bytes(), "a device file"));
        c.add(new Case("block device", Archives.withManifest().special("sda", TarConstants.LF_BLK).bytes(), "a device file"));
        c.add(new Case("named pipe", Archives.withManifest().special("fifo", TarConstants.LF_FIFO).bytes(), "a named pipe"));
        Archives many = Archives.withManifest();
        for (int i = 0; i < 60; i++) {
            many.file("f" + i, "");
        }
        c.add(new Case("too many entries", many.bytes(), "more than 50 entries"));
        c.add(new Case("zip bomb", Archives.withManifest().zeros("zeros", 64L << 20).bytes(), "expands past the limit of 16 MiB"));
        c.add(new Case("many small files that add up", Archives.withManifest().zeros("a", 9L << 20).zeros("b", 9L << 20).bytes(),
                "expands past the limit of 16 MiB"));
        c.add(new Case("duplicate entry", Archives.withManifest().file("a", "1").file("a", "2").bytes(), "appears twice"));
        c.add(new Case("file then symlink of the same name", Archives.withManifest().file("a/x", "1").symlink("a", "/").bytes(), "absolute"));
        c.add(new Case("directory replaced by symlink", Archives.withManifest().file("a/x", "1").symlink("a", "b").bytes(), "appears twice"));
        c.add(new Case("too deep", Archives.withManifest().file("1/2/3/4/5/6/7/8/9/x", "").bytes(), "deeper than 8 directories"));
        c.add(new Case("too long", Archives.withManifest().file("x".repeat(300), "").bytes(), "above the limit of 200"));
        c.add(new Case("no manifest", Archives.bare().file("app", "x").bytes(), "the first entry must be steward.json"));
        c.add(new Case("bad manifest", Archives.bare().file("steward.json", "{\"name\":\"x\",\"evil\":1}").bytes(), "unknown field 'evil'"));
        c.add(new Case("not zstd", "just text, not an archive".getBytes(), "not zstd-compressed"));
        byte[] good = Archives.withManifest().zeros("z", 1 << 20).file("after", "x").bytes();
        c.add(new Case("cut short", Arrays.copyOf(good, good.length / 2), ""));
        c.add(new Case("empty", new byte[0], "not zstd-compressed"));
        return c;
    }

    @TestFactory
    List<DynamicTest> theAgentRefusesEachAndWritesNothingOutside() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case k : corpus()) {
            tests.add(DynamicTest.dynamicTest(k.name(), () -> {
                layout();
                assertThatThrownBy(() -> new Unpacker(SMALL).unpack(new ByteArrayInputStream(k.archive()), sandbox))
                        .isInstanceOf(PackageException.class).hasMessageContaining(k.reason());
                assertThat(Trees.listing(box)).containsExactly("sandbox/", "sentinel");
                assertThat(Files.readString(box.resolve("sentinel"))).isEqualTo("keep");
                assertThat(Files.exists(Path.of(outside))).isFalse();
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> theAllocatorRefusesEachAtUpload() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case k : corpus()) {
            if (k.name().equals("symlink chain that climbs") || k.name().equals("self loop")) {
                continue; // only resolving links on disk finds these; the agent does
            }
            tests.add(DynamicTest.dynamicTest(k.name(), () -> assertThatThrownBy(() -> PackageReader.inspect(new ByteArrayInputStream(k.archive()), SMALL))
                    .isInstanceOf(PackageException.class).hasMessageContaining(k.reason())));
        }
        return tests;
    }
}

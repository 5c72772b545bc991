package dev.steward.pkg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnpackerTest {
    @TempDir
    Path tmp;

    @Test
    void unpacksWhatWasPackedWithExecutableBitsAndLinks() throws Exception {
        Path w = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(w, "mkdir -p bin lib; printf 'echo hi\\n' > bin/run; chmod 700 bin/run; echo so > lib/a.so; ln -s ../lib/a.so bin/a.so; ln lib/a.so lib/b.so");
        Path pkg = tmp.resolve("p.tar.zst");
        BuiltPackage built = PackageBuilder.from(w).manifest(Trees.manifest()).writeTo(pkg);
        Path out = tmp.resolve("sandbox");
        Unpacker.Unpacked u;
        try (InputStream in = Files.newInputStream(pkg)) {
            u = new Unpacker(UnpackLimits.DEFAULT).unpack(in, out);
        }
        assertThat(u.manifest()).isEqualTo(built.manifest());
        assertThat(u.files()).isEqualTo(built.files()).isEqualTo(4);
        assertThat(u.expandedBytes()).isEqualTo(built.expandedBytes());
        var expected = new java.util.TreeMap<>(Trees.contents(w));
        assertThat(Trees.contents(out)).containsAllEntriesOf(expected).containsKey("steward.json");
        assertThat(Files.getPosixFilePermissions(out.resolve("bin/run"))).hasSize(7); // rwxr-xr-x
        assertThat(Files.getPosixFilePermissions(out.resolve("lib/a.so"))).hasSize(4); // rw-r--r--
        try (InputStream in = Files.newInputStream(pkg)) {
            assertThat(PackageReader.inspect(in, UnpackLimits.DEFAULT).files()).isEqualTo(4);
        }
    }

    @Test
    void aTargetThatIsNotEmptyIsRefused() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("sandbox"));
        Files.writeString(out.resolve("old"), "x");
        assertThatThrownBy(() -> new Unpacker(UnpackLimits.DEFAULT).unpack(InputStream.nullInputStream(), out))
                .isInstanceOf(PackageException.class).hasMessageContaining("is not empty");
        assertThat(Files.readString(out.resolve("old"))).isEqualTo("x");
    }
}

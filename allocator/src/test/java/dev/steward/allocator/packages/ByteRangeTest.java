package dev.steward.allocator.packages;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteRangeTest {
    @Test
    void rangesAreClippedToTheSize() {
        assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
        assertThat(ByteRange.parse("bytes=90-", 100)).isEqualTo(new ByteRange(90, 99));
        assertThat(ByteRange.parse("bytes=90-500", 100)).isEqualTo(new ByteRange(90, 99));
        assertThat(ByteRange.parse("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
        assertThat(ByteRange.parse("bytes=-1000", 100)).isEqualTo(new ByteRange(0, 99));
        assertThat(ByteRange.parse("bytes=5-5", 100).length()).isEqualTo(1);
        assertThat(ByteRange.parse("bytes=0-9", 100).contentRange(100)).isEqualTo("bytes 0-9/100");
    }

    @Test
    void unsupportedOrMalformedHeadersMeanTheWholeBody() {
        assertThat(ByteRange.parse(null, 100)).isNull();
        assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isNull();
        assertThat(ByteRange.parse("items=0-1", 100)).isNull();
        assertThat(ByteRange.parse("bytes=x-1", 100)).isNull();
        assertThat(ByteRange.parse("bytes=9-1", 100)).isNull();
        assertThat(ByteRange.parse("bytes=-", 100)).isNull();
    }

    @Test
    void aRangePastTheEndIsUnsatisfiable() {
        assertThatThrownBy(() -> ByteRange.parse("bytes=100-", 100)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=-0", 100)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=0-", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
    }
}

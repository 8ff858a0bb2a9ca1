using OrleansRep.Replication;

namespace OrleansRep.Simulation.Cluster;

/// <summary>The bytes of a simulated log record: derived from who wrote it, which proposal and which record of it,
/// so two masters that write at the same LSN write different bytes (divergence is visible to verify and checkers).</summary>
public static class RecordContent
{
    public static byte[] Frame(SiteId writer, long proposal, int index, RecordKind kind, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 16);
        var frame = new byte[length];
        unchecked
        {
            var z = ((ulong)(uint)writer.Value << 48) ^ ((ulong)proposal << 8) ^ (ulong)(uint)index ^ ((ulong)kind << 40);
            for (var i = 0; i < length; i += 8)
            {
                z += 0x9E3779B97F4A7C15UL;
                var x = z;
                x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
                x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
                x ^= x >> 31;
                for (var b = 0; b < 8 && i + b < length; b++)
                {
                    frame[i + b] = (byte)(x >> (8 * b));
                }
            }
        }

        return frame;
    }
}

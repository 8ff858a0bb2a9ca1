using System.Text;

namespace OrleansRep.Runtime.Placement;

/// <summary>
/// A 64-bit string hash that is the same in every process and on every run (string.GetHashCode is randomized per
/// process, so silos would disagree on placement): FNV-1a over the UTF-8 bytes, then MurmurHash3's finalizer so that
/// similar keys ("a1", "a2") land far apart on the ring.
/// </summary>
internal static class StableHash
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    public static ulong Of(string text)
    {
        ulong hash = FnvOffset;
        Span<byte> buffer = stackalloc byte[4];
        foreach (Rune rune in text.EnumerateRunes())
        {
            int length = rune.EncodeToUtf8(buffer);
            for (int i = 0; i < length; i++)
            {
                hash = (hash ^ buffer[i]) * FnvPrime;
            }
        }

        return Mix(hash);
    }

    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccd;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53;
        h ^= h >> 33;
        return h;
    }
}

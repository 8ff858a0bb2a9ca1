using System.Collections.Frozen;
using System.Text;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// The strings a gateway expects on every call (grain types and interface names): decoding one of them returns the
/// existing instance instead of allocating a new string per call. Other strings decode as usual. The wire format
/// is unchanged: names still travel in full, so any peer can send them.
/// </summary>
internal sealed class WireStringTable
{
    /// <summary>Longest name looked up (in UTF-8 bytes); longer ones are decoded without the table.</summary>
    private const int MaxLookupBytes = 512;

    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _known;

    public WireStringTable(IEnumerable<string> known) =>
        _known = known.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Decodes <paramref name="utf8"/> as <see cref="Encoding.UTF8"/> does, returning the known instance if there is one.</summary>
    public string Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= MaxLookupBytes)
        {
            // UTF-8 never decodes to more chars than it has bytes.
            Span<char> chars = stackalloc char[utf8.Length];
            int count = Encoding.UTF8.GetChars(utf8, chars);
            return _known.TryGetValue(chars[..count], out var known) ? known : new string(chars[..count]);
        }

        return Encoding.UTF8.GetString(utf8);
    }
}

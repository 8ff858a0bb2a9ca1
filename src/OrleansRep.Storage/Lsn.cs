using System.Buffers.Binary;

namespace OrleansRep.Storage;

/// <summary>
/// A log sequence number: (log file number, byte offset in that file), ordered file first.
/// <see cref="Zero"/> means "none" and sorts before every real record; the first record of a log is at file 1.
/// </summary>
public readonly record struct Lsn(uint File, uint Offset) : IComparable<Lsn>
{
    public static readonly Lsn Zero;

    /// <summary>The largest LSN; useful as an open upper bound.</summary>
    public static readonly Lsn Max = new(uint.MaxValue, uint.MaxValue);

    public bool IsZero => File == 0 && Offset == 0;

    public ulong ToUInt64() => ((ulong)File << 32) | Offset;

    public static Lsn FromUInt64(ulong value) => new((uint)(value >> 32), (uint)value);

    public int CompareTo(Lsn other) => ToUInt64().CompareTo(other.ToUInt64());

    public static bool operator <(Lsn a, Lsn b) => a.CompareTo(b) < 0;
    public static bool operator >(Lsn a, Lsn b) => a.CompareTo(b) > 0;
    public static bool operator <=(Lsn a, Lsn b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Lsn a, Lsn b) => a.CompareTo(b) >= 0;

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, ToUInt64());

    public static Lsn ReadFrom(ReadOnlySpan<byte> source) => FromUInt64(BinaryPrimitives.ReadUInt64LittleEndian(source));

    public override string ToString() => $"[{File}][{Offset}]";

    /// <summary>Parses "[F][O]" (printlog form) or "F/O".</summary>
    public static bool TryParse(string text, out Lsn lsn)
    {
        lsn = Zero;
        var t = text.Trim();
        string[] parts = t.StartsWith('[')
            ? t.Trim('[', ']').Split("][", StringSplitOptions.None)
            : t.Split('/');
        if (parts.Length != 2 || !uint.TryParse(parts[0], out var f) || !uint.TryParse(parts[1], out var o))
        {
            return false;
        }

        lsn = new Lsn(f, o);
        return true;
    }
}

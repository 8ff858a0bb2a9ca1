namespace OrleansRep.Runtime.Streams;

/// <summary>
/// The position of an item in its stream (Orleans' name). The publisher supplies it and it must increase along a
/// stream; it need not be contiguous (a log sequence number is a typical token). Subscribers use it to rewind and
/// to drop items they have already seen.
/// </summary>
public readonly record struct StreamSequenceToken(long SequenceNumber) : IComparable<StreamSequenceToken>
{
    /// <summary>The smallest token: "from the very beginning".</summary>
    public static StreamSequenceToken First { get; } = new(long.MinValue);

    /// <inheritdoc/>
    public int CompareTo(StreamSequenceToken other) => SequenceNumber.CompareTo(other.SequenceNumber);

    /// <summary>The token right after this one; used to say "everything after this item".</summary>
    /// <exception cref="InvalidOperationException">This is the largest token.</exception>
    public StreamSequenceToken Next() => SequenceNumber == long.MaxValue
        ? throw new InvalidOperationException("the largest sequence token has no successor")
        : new StreamSequenceToken(SequenceNumber + 1);

    /// <summary>Compares positions.</summary>
    public static bool operator <(StreamSequenceToken left, StreamSequenceToken right) => left.SequenceNumber < right.SequenceNumber;

    /// <summary>Compares positions.</summary>
    public static bool operator >(StreamSequenceToken left, StreamSequenceToken right) => left.SequenceNumber > right.SequenceNumber;

    /// <summary>Compares positions.</summary>
    public static bool operator <=(StreamSequenceToken left, StreamSequenceToken right) => left.SequenceNumber <= right.SequenceNumber;

    /// <summary>Compares positions.</summary>
    public static bool operator >=(StreamSequenceToken left, StreamSequenceToken right) => left.SequenceNumber >= right.SequenceNumber;

    /// <summary>The earlier of two tokens.</summary>
    public static StreamSequenceToken Min(StreamSequenceToken a, StreamSequenceToken b) => a <= b ? a : b;

    /// <inheritdoc/>
    public override string ToString() => SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

namespace OrleansRep.Replication;

/// <summary>
/// A replication site (Berkeley DB's environment id): a small positive integer, never reused. <see cref="None"/>
/// (0) means "no site", e.g. no known master.
/// </summary>
public readonly record struct SiteId(int Value) : IComparable<SiteId>
{
    public static readonly SiteId None;

    public bool IsNone => Value == 0;

    public int CompareTo(SiteId other) => Value.CompareTo(other.Value);

    public static bool operator <(SiteId a, SiteId b) => a.Value < b.Value;
    public static bool operator >(SiteId a, SiteId b) => a.Value > b.Value;
    public static bool operator <=(SiteId a, SiteId b) => a.Value <= b.Value;
    public static bool operator >=(SiteId a, SiteId b) => a.Value >= b.Value;

    public override string ToString() => IsNone ? "none" : $"site{Value}";
}

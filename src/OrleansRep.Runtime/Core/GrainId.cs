namespace OrleansRep.Runtime.Core;

/// <summary>
/// The identity of a virtual actor: its grain type (the name the silo registered the grain class under) and its
/// string key. A grain exists logically forever; an activation is one in-memory incarnation of a <see cref="GrainId"/>.
/// </summary>
public readonly record struct GrainId
{
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(key);
        Type = type;
        Key = key;
    }

    /// <summary>The grain type name (by default the full name of the grain class).</summary>
    public string Type { get; }

    /// <summary>The grain's primary key.</summary>
    public string Key { get; }

    public override string ToString() => $"{Type}/{Key}";
}

namespace OrleansRep.Runtime.Streams;

/// <summary>
/// Identifies a stream: a namespace (what kind of stream, e.g. "shard-log") and a key within it (e.g. "0@2").
/// Two ids are equal when both parts are equal (ordinal).
/// </summary>
public readonly record struct StreamId
{
    /// <summary>Creates an id; both parts must be non-empty.</summary>
    /// <exception cref="ArgumentException">The namespace or the key is null or empty.</exception>
    public StreamId(string streamNamespace, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamNamespace);
        ArgumentException.ThrowIfNullOrEmpty(key);
        Namespace = streamNamespace;
        Key = key;
    }

    /// <summary>The kind of stream; a provider may attach an external log to a whole namespace.</summary>
    public string Namespace { get; }

    /// <summary>The stream within its namespace.</summary>
    public string Key { get; }

    /// <summary>True for <c>default(StreamId)</c>, which names no stream.</summary>
    public bool IsDefault => Namespace is null;

    /// <inheritdoc/>
    public override string ToString() => $"{Namespace}/{Key}";
}

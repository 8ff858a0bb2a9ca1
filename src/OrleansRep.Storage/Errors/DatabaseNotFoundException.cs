namespace OrleansRep.Storage;

/// <summary>A named database does not exist (and was not asked to be created).</summary>
public sealed class DatabaseNotFoundException(string name) : StorageException($"database \"{name}\" does not exist")
{
    public string Name { get; } = name;
}

namespace OrleansRep.Storage;

/// <summary>Base of every error the storage engine raises on purpose; callers can act on the subtype.</summary>
public class StorageException : Exception
{
    public StorageException(string message) : base(message) { }

    public StorageException(string message, Exception inner) : base(message, inner) { }
}

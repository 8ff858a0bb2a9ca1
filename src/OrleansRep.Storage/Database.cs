using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage;

/// <summary>A handle to a named database (a B+tree of byte keys ordered by bytes). Valid until the database is dropped.</summary>
public sealed class Database
{
    internal Database(DatabaseState state)
    {
        State = state;
    }

    internal DatabaseState State { get; }

    public string Name => State.Name;

    public uint Id => State.Id;

    public override string ToString() => $"{Name} (#{Id})";
}

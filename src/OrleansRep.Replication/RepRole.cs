namespace OrleansRep.Replication;

public enum RepRole
{
    /// <summary>Not started yet.</summary>
    None,
    Client,
    Master,
}

namespace OrleansRep.Runtime.Core;

/// <summary>Orleans' key accessors, for grain references and grains alike.</summary>
public static class GrainReferenceExtensions
{
    /// <summary>The identity of a grain reference or of a grain.</summary>
    /// <exception cref="ArgumentException">The object is neither a grain reference nor a grain.</exception>
    public static GrainId GetGrainId(this IGrain grain) => grain switch
    {
        GrainReferenceProxy reference => reference.GrainId,
        Grain activation => activation.GrainId,
        null => throw new ArgumentNullException(nameof(grain)),
        _ => throw new ArgumentException($"{grain.GetType().Name} is neither a grain reference nor a grain.", nameof(grain)),
    };

    /// <summary>The string key of a grain reference or of a grain.</summary>
    public static string GetPrimaryKeyString(this IGrainWithStringKey grain) => grain.GetGrainId().Key;
}

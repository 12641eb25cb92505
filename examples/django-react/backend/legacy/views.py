"""The Data Explorer's old view, kept to compare against (docs/django-benchmark.md)
and as the "before" of the migration guide (README, "Migrating the Data
Explorer page"): the upload is parsed with pandas on the server and every
row goes back to the browser as one JSON array, with Graphic Walker's
`fields`. Graphic Walker then computes every chart in the browser from
those rows.

This is what the users run today, written from their description; do not
use it for new code (the migration guide says what to do with it).
"""
import math

import pandas as pd
from django.conf import settings
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


def semantic_type(series):
    if pd.api.types.is_bool_dtype(series):
        return "nominal", "dimension"
    if pd.api.types.is_numeric_dtype(series):
        return "quantitative", "measure"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "temporal", "dimension"
    return "nominal", "dimension"


class UploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"error": "No file uploaded."}, status=status.HTTP_400_BAD_REQUEST)
        if upload.size > settings.LEGACY_MAX_BYTES:
            return Response({"error": "File too large (100 MB max)."}, status=status.HTTP_400_BAD_REQUEST)
        try:
            df = pd.read_csv(upload, on_bad_lines="skip")
        except Exception as e:  # noqa: BLE001 (as the original view)
            return Response({"error": f"Could not parse CSV: {e}"}, status=status.HTTP_400_BAD_REQUEST)
        fields = []
        for column in df.columns:
            semantic, analytic = semantic_type(df[column])
            fields.append({"fid": column, "name": column, "semanticType": semantic, "analyticType": analytic})
        # NaN is not JSON: the original sends None for missing values.
        rows = df.astype(object).where(df.notna(), None).to_dict(orient="records")
        for row in rows:
            for key, value in row.items():
                if isinstance(value, float) and not math.isfinite(value):
                    row[key] = None
        return Response({"fields": fields, "rows": rows})

"""The managers' pages: the dashboard, the weekly dispatch sheet (每周一调度), the monthly
ranking (每月一评比) and the quarterly bulletin (每季一通报), with their CSV / XLSX downloads."""
